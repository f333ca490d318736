// The user story end to end, with the real programs: longline-server and
// longline-cli chat inside a private network namespace, then an nftables
// rule silently drops the server port's traffic (no FIN, no RST). Each side
// must detect the death with the mechanism it runs, name the cause and
// report the detection time next to its budget.

#include "../support/ciskip.h"
#include "../support/systemtools.h"

#include <QDir>
#include <QElapsedTimer>
#include <QJsonDocument>
#include <QJsonObject>
#include <QProcess>
#include <QRegularExpression>
#include <QTemporaryDir>
#include <QTest>

namespace {

constexpr int MarginMs = 1500; // scheduling and timer granularity on a loaded 2-core machine

bool nft(const QString &script)
{
    return longline::test::runNft(script);
}

bool cutPort(quint16 port)
{
    return nft(
        QStringLiteral("table inet e2e_cut {\n"
                       "  chain input { type filter hook input priority -10; policy accept;\n"
                       "    tcp dport %1 drop\n    tcp sport %1 drop\n  }\n}\n")
            .arg(port));
}

void restore()
{
    nft(QStringLiteral("delete table inet e2e_cut\n"));
}

QString bin(const char *var)
{
    return QString::fromLocal8Bit(qgetenv(var));
}

// A running longline-server whose log we read.
struct Server
{
    QProcess process;
    QString logPath;
    quint16 port = 0;

    bool start(const QStringList &flags, const QString &dir)
    {
        static int instance = 0;
        logPath = dir + QStringLiteral("/server-%1.log").arg(++instance);
        process.start(bin("LONGLINE_SERVER_BIN"),
                      QStringList{QStringLiteral("--listen"), QStringLiteral("127.0.0.1:0"),
                                  QStringLiteral("--db"), QStringLiteral(":memory:"),
                                  QStringLiteral("--log"), logPath} +
                          flags);
        if (!process.waitForStarted(5000))
            return false;
        static const QRegularExpression listen(QStringLiteral(" listen .*port=(\\d+)"));
        QElapsedTimer t;
        t.start();
        while (t.elapsed() < 5000) {
            const auto m = listen.match(log());
            if (m.hasMatch()) {
                port = quint16(m.captured(1).toUInt());
                return true;
            }
            QTest::qWait(50);
        }
        return false;
    }
    QString log() const
    {
        QFile f(logPath);
        return f.open(QIODevice::ReadOnly) ? QString::fromUtf8(f.readAll()) : QString();
    }
    ~Server()
    {
        process.terminate();
        if (!process.waitForFinished(3000))
            process.kill();
        process.waitForFinished(1000);
    }
};

// A running longline-cli with --events json; collects its events.
struct Cli
{
    QProcess process;
    QList<QJsonObject> events;
    QByteArray pending;
    QByteArray out;

    void start(quint16 port, const QString &nick, const QStringList &flags)
    {
        process.start(bin("LONGLINE_CLI_BIN"),
                      QStringList{QStringLiteral("127.0.0.1"), QString::number(port),
                                  QStringLiteral("--nick"), nick, QStringLiteral("--events"),
                                  QStringLiteral("json")} +
                          flags);
    }
    void poll()
    {
        pending += process.readAllStandardError();
        out += process.readAllStandardOutput();
        int nl;
        while ((nl = pending.indexOf('\n')) >= 0) {
            const QByteArray line = pending.left(nl);
            pending.remove(0, nl + 1);
            const auto doc = QJsonDocument::fromJson(line);
            if (doc.isObject())
                events.append(doc.object());
        }
    }
    std::optional<QJsonObject> event(const QString &name)
    {
        poll();
        for (const auto &e : events)
            if (e.value(QStringLiteral("event")).toString() == name)
                return e;
        return std::nullopt;
    }
    bool waitFor(const QString &name, int ms)
    {
        QElapsedTimer t;
        t.start();
        while (t.elapsed() < ms) {
            if (event(name))
                return true;
            process.waitForReadyRead(50);
        }
        return bool(event(name));
    }
    ~Cli()
    {
        if (process.state() != QProcess::NotRunning) {
            process.kill();
            process.waitForFinished(2000);
        }
    }
};

} // namespace

class TestEndToEndNetns : public QObject
{
    Q_OBJECT
    QTemporaryDir m_dir;

private Q_SLOTS:
    void initTestCase()
    {
        if (bin("LONGLINE_SERVER_BIN").isEmpty() || bin("LONGLINE_CLI_BIN").isEmpty())
            LONGLINE_SKIP_UNLESS_CI(
                "LONGLINE_SERVER_BIN / LONGLINE_CLI_BIN not set: run through ctest");
        QVERIFY(m_dir.isValid());
    }
    void init() { restore(); }
    void cleanup() { restore(); }

    void chatThenKeepaliveDetectsTheCutOnBothSides()
    {
        Server server;
        QVERIFY(server.start({QStringLiteral("--keepalive"), QStringLiteral("1,1,2"),
                              QStringLiteral("--heartbeat"), QStringLiteral("off")},
                             m_dir.path()));
        Cli alice, bob;
        alice.start(server.port, QStringLiteral("alice"),
                    {QStringLiteral("--keepalive"), QStringLiteral("1,1,2")});
        bob.start(server.port, QStringLiteral("bob"), {});
        QVERIFY(alice.waitFor(QStringLiteral("welcome"), 5000));
        QVERIFY(bob.waitFor(QStringLiteral("welcome"), 5000));

        // The options took effect on the real socket, as read back.
        const auto applied = alice.event(QStringLiteral("options_applied"));
        QVERIFY(applied);
        const QString effective =
            applied->value(QStringLiteral("effective")).toVariant().toString() +
            QString::fromUtf8(QJsonDocument(*applied).toJson());
        QVERIFY2(effective.contains(QLatin1String("1,1,2")) ||
                     effective.contains(QLatin1String("\"idle\": 1")),
                 qPrintable(effective));
        // ... and the server applied its own to the accepted socket.
        QTRY_VERIFY_WITH_TIMEOUT(server.log().contains(QRegularExpression(
                                     QStringLiteral("options .* keepalive=1,1,2 "))),
                                 3000);

        // Chat works: bob's line reaches alice.
        bob.process.write("hello through the line\n");
        QTRY_VERIFY_WITH_TIMEOUT((alice.poll(), alice.out.contains("hello through the line")),
                                 5000);

        QVERIFY(cutPort(server.port));
        // Alice's kernel probes go unanswered: dead within 1 + 1 x 2 = 3 s.
        QVERIFY(alice.waitFor(QStringLiteral("dead"), 3000 + 5000));
        const QJsonObject dead = *alice.event(QStringLiteral("dead"));
        QCOMPARE(dead.value(QStringLiteral("cause")).toString(),
                 QStringLiteral("keepalive_timeout"));
        QCOMPARE(dead.value(QStringLiteral("budget_ms")).toInt(), 3000);
        const int detection = dead.value(QStringLiteral("detection_ms")).toInt();
        QVERIFY2(detection >= 2700 && detection <= 3000 + MarginMs,
                 qPrintable(QString::number(detection)));
        QVERIFY(alice.process.state() == QProcess::NotRunning ||
                alice.process.waitForFinished(5000));
        QCOMPARE(alice.process.exitCode(), 3); // documented: declared dead by a timeout

        // The server's keepalive finds both silent clients dead too.
        static const QRegularExpression disconnect(
            QStringLiteral("disconnect .*nick=alice .*cause=keepalive_timeout "
                           ".*detection_ms=(\\d+) budget_ms=3000"));
        QTRY_VERIFY_WITH_TIMEOUT(disconnect.match(server.log()).hasMatch(), 8000);
        const int serverDetection = disconnect.match(server.log()).captured(1).toInt();
        QVERIFY2(serverDetection <= 3000 + MarginMs, qPrintable(server.log()));
        // Bob runs no mechanism: he is still "connected" to a dead line.
        QCOMPARE(bob.process.state(), QProcess::Running);
        QVERIFY(!bob.event(QStringLiteral("dead")));
    }

    void heartbeatsDetectTheCutOnBothSides()
    {
        Server server;
        // The server waits a little longer than Carol before it pings, so
        // her own PINGs (and their round trips) come first whatever the
        // scheduling; its budget stays 1.5 + 0.5 = 2 s.
        QVERIFY(server.start({QStringLiteral("--heartbeat"), QStringLiteral("1.5,0.5"),
                              QStringLiteral("--min-client-ping"), QStringLiteral("0.5")},
                             m_dir.path()));
        Cli carol;
        carol.start(server.port, QStringLiteral("carol"),
                    {QStringLiteral("--heartbeat"), QStringLiteral("1,1")});
        QVERIFY(carol.waitFor(QStringLiteral("welcome"), 5000));
        QVERIFY(carol.waitFor(QStringLiteral("rtt"), 5000)); // round trips measured while idle
        QVERIFY(cutPort(server.port));
        QVERIFY(carol.waitFor(QStringLiteral("dead"), 2000 + 5000));
        const QJsonObject dead = *carol.event(QStringLiteral("dead"));
        QCOMPARE(dead.value(QStringLiteral("cause")).toString(),
                 QStringLiteral("heartbeat_timeout"));
        QCOMPARE(dead.value(QStringLiteral("budget_ms")).toInt(), 2000);
        QVERIFY(dead.value(QStringLiteral("detection_ms")).toInt() <= 2000 + MarginMs);
        QVERIFY(carol.process.state() == QProcess::NotRunning ||
                carol.process.waitForFinished(5000));
        QCOMPARE(carol.process.exitCode(), 3);
        static const QRegularExpression disconnect(
            QStringLiteral("disconnect .*nick=carol .*cause=heartbeat_timeout "
                           ".*detection_ms=(\\d+) budget_ms=2000"));
        QTRY_VERIFY_WITH_TIMEOUT(disconnect.match(server.log()).hasMatch(), 6000);
        QVERIFY(disconnect.match(server.log()).captured(1).toInt() <= 2000 + MarginMs);
    }

    // The server's user-timeout verdict dates the wait from its own PING,
    // the first data not acknowledged, not from the last ACK it had (for
    // the WELCOME, or a PONG), which came a heartbeat interval earlier.
    void serverUserTimeoutCountsFromTheUnacknowledgedPing()
    {
        Server server;
        QVERIFY(server.start({QStringLiteral("--heartbeat"), QStringLiteral("1,3"),
                              QStringLiteral("--user-timeout"), QStringLiteral("1500"),
                              QStringLiteral("--keepalive"), QStringLiteral("off")},
                             m_dir.path()));
        Cli erin;
        erin.start(server.port, QStringLiteral("erin"),
                   {QStringLiteral("--heartbeat"), QStringLiteral("off")});
        QVERIFY(erin.waitFor(QStringLiteral("welcome"), 5000));
        QVERIFY(cutPort(server.port));
        static const QRegularExpression disconnect(
            QStringLiteral("disconnect .*nick=erin .*cause=user_timeout "
                           ".*detection_ms=(\\d+) budget_ms=(\\d+)"));
        // PING within 1 s of the cut; the kernel counts the user timeout from
        // the first retransmission, one RTO (200 ms) after it.
        QTRY_VERIFY_WITH_TIMEOUT(disconnect.match(server.log()).hasMatch(), 1000 + 1700 + 3000);
        const auto m = disconnect.match(server.log());
        QCOMPARE(m.captured(2).toInt(), 1700);
        const int detection = m.captured(1).toInt();
        // Dated from the last ACK before the PING it would read at least
        // 2.7 s (the PING follows 1 s of silence); 700 ms for a loaded loop.
        QVERIFY2(detection >= 1600 && detection <= 1700 + 700, qPrintable(server.log()));
    }

    void ssShowsTheChosenKeepaliveTimer()
    {
        Server server;
        QVERIFY(server.start({QStringLiteral("--heartbeat"), QStringLiteral("off")}, m_dir.path()));
        Cli dana;
        dana.start(server.port, QStringLiteral("dana"),
                   {QStringLiteral("--keepalive"), QStringLiteral("20,5,3")});
        QVERIFY(dana.waitFor(QStringLiteral("welcome"), 5000));
        QProcess ss;
        ss.start(QStringLiteral("ss"),
                 {QStringLiteral("-tioH"), QStringLiteral("state"), QStringLiteral("established"),
                  QStringLiteral("dport"), QStringLiteral("="),
                  QStringLiteral(":%1").arg(server.port)});
        QVERIFY(ss.waitForFinished(5000));
        const QString out = QString::fromLocal8Bit(ss.readAllStandardOutput());
        // timer:(keepalive,19sec,0): counting down from the 20 s idle time.
        static const QRegularExpression timer(
            QStringLiteral("timer:\\(keepalive,(\\d+)(?:\\.\\d+)?sec,0\\)"));
        const auto m = timer.match(out);
        QVERIFY2(m.hasMatch(), qPrintable(out));
        QVERIFY(m.captured(1).toInt() <= 20 && m.captured(1).toInt() >= 15);
    }
};

QTEST_GUILESS_MAIN(TestEndToEndNetns)
#include "tst_endtoend_netns.moc"
