// longline-cli as a process against a scripted hostile server and the real
// server (issue 8): its memory stays bounded whatever the server sends
// (VmRSS), a flood ends with the documented exit status 7, pasted lines
// are paced to the server's rate and all delivered, a server refusing
// everything gets a trickle and /quit still works, and a JOIN flood does
// not stop it answering PING.

#include "chatclient.h"
#include "clitestsupport.h"

#include <QElapsedTimer>
#include <QTemporaryDir>
#include <QtTest>

using namespace longline;
using namespace longline::testing;

namespace {
constexpr int Timeout = 5000;
// The cli holds a few MB of Qt and its buffers; the bound is "a few tens of MB".
constexpr qint64 RssBoundKb = 64 * 1024 * MemoryScale;
constexpr int ExitProtocolStatus = 7;

QStringList cliArgs(quint16 port, const QString &nick, const QStringList &extra = {})
{
    return QStringList{QStringLiteral("127.0.0.1"), QString::number(port),
                       QStringLiteral("--nick"),    nick,
                       QStringLiteral("--events"),  QStringLiteral("json")} +
           extra;
}

int countEvents(CliProcess &cli, const QString &name, int code = 0)
{
    int n = 0;
    for (const QJsonObject &e : cli.events()) {
        if (e.value(QStringLiteral("event")).toString() != name)
            continue;
        if (code == 0 || e.value(QStringLiteral("code")).toInt() == code)
            ++n;
    }
    return n;
}

int countPrefix(const QStringList &lines, const QString &prefix)
{
    int n = 0;
    for (const QString &l : lines)
        n += l.startsWith(prefix) ? 1 : 0;
    return n;
}
} // namespace

class TestCliHostile : public QObject
{
    Q_OBJECT

    QTemporaryDir m_dir;

    // Feeds `chunk` to the cli as fast as it takes it until the cli exits
    // or `ms` pass; returns the highest VmRSS seen (KiB).
    qint64 floodUntilExit(FakeServer &server, CliProcess &cli, const QByteArray &chunk, int ms)
    {
        const qint64 pid = cli.process().processId();
        qint64 maxRss = 0;
        QElapsedTimer clock;
        clock.start();
        while (cli.process().state() == QProcess::Running && clock.elapsed() < ms) {
            if (server.client() && server.client()->state() == QAbstractSocket::ConnectedState &&
                server.client()->bytesToWrite() < 1024 * 1024)
                server.client()->write(chunk);
            QTest::qWait(2);
            maxRss = std::max(maxRss, residentKb(pid));
        }
        return maxRss;
    }

private Q_SLOTS:
    void initTestCase() { QVERIFY(m_dir.isValid()); }

    // Never a HISTEND, MSG after MSG: the cli stays small and exits 7.
    void liveFloodWithoutHistoryAnswerExits7()
    {
        REQUIRE_CLI();
        FakeServer server;
        CliProcess cli(cliArgs(server.port(), QStringLiteral("dave"),
                               {QStringLiteral("--history"), QStringLiteral("20")}));
        QVERIFY(!server.welcome(100).isNull());
        QVERIFY2(!server.waitForLine(QStringLiteral("HISTORY 80")).isNull(), qPrintable(dump(cli)));
        QByteArray chunk;
        for (int i = 0; i < 1000; ++i)
            chunk += "MSG 101 2026-11-23T21:50:00.000Z bob " + QByteArray(1000, 'x') + '\n';
        const qint64 maxRss = floodUntilExit(server, cli, chunk, 8000);
        qInfo("highest VmRSS of the cli: %lld KiB", maxRss);
        QCOMPARE(cli.waitForExit(), ExitProtocolStatus);
        QVERIFY2(cli.event(QStringLiteral("protocol_violation")), qPrintable(dump(cli)));
        QVERIFY2(maxRss > 0 && maxRss < RssBoundKb, qPrintable(QString::number(maxRss)));
    }

    // PING after PING, never reading the PONGs: bounded, exit 7.
    void pingFloodFromServerThatDoesNotReadExits7()
    {
        REQUIRE_CLI();
        FakeServer server;
        CliProcess cli(cliArgs(server.port(), QStringLiteral("erin")));
        QVERIFY(!server.welcome().isNull());
        QVERIFY2(cli.waitForEvent(QStringLiteral("welcome")), qPrintable(dump(cli)));
        server.stopReading();
        QByteArray chunk;
        for (int i = 0; i < 2000; ++i)
            chunk += "PING " + QByteArray(64, 'p') + '\n';
        const qint64 maxRss = floodUntilExit(server, cli, chunk, 15000);
        qInfo("highest VmRSS of the cli: %lld KiB", maxRss);
        QCOMPARE(cli.waitForExit(), ExitProtocolStatus);
        const auto violation = cli.event(QStringLiteral("protocol_violation"));
        QVERIFY2(violation, qPrintable(dump(cli)));
        QVERIFY(violation->value(QStringLiteral("reason"))
                    .toString()
                    .contains(QStringLiteral("does not read")));
        QVERIFY2(maxRss > 0 && maxRss < RssBoundKb, qPrintable(QString::number(maxRss)));
    }

    // 80,000 JOIN lines and a PING: the PONG comes back within a short
    // budget (it used to take 16 s).
    void joinFloodStillAnswersPing()
    {
        REQUIRE_CLI();
        FakeServer server;
        CliProcess cli(cliArgs(server.port(), QStringLiteral("fay")));
        QVERIFY(!server.welcome().isNull());
        QVERIFY2(cli.waitForEvent(QStringLiteral("welcome")), qPrintable(dump(cli)));
        QByteArray flood;
        for (int i = 0; i < 80000; ++i)
            flood += "JOIN 2026-11-23T21:50:00.000Z user" + QByteArray::number(i) + '\n';
        QElapsedTimer clock;
        clock.start();
        server.send(flood + "PING after-joins\n");
        QCOMPARE(server.waitForLine(QStringLiteral("PONG"), 20000),
                 QStringLiteral("PONG after-joins"));
        qInfo("80,000 JOINs and a PING answered in %lld ms", clock.elapsed());
        QVERIFY2(clock.elapsed() < 5000 * BudgetScale,
                 qPrintable(QStringLiteral("%1 ms").arg(clock.elapsed())));
        QCOMPARE(cli.process().state(), QProcess::Running);
    }

    // 80 lines pasted against a real server with default limits (50 in
    // 10 s): paced, no 430 storm, every line delivered once, still connected.
    void pastedLinesArePacedAndAllDelivered()
    {
        REQUIRE_CLI();
        REQUIRE_SERVER();
        ServerProcess server;
        QVERIFY(server.start(m_dir.filePath(QStringLiteral("paste.db"))));
        ChatClient reader;
        ClientRecorder rec(&reader);
        reader.connectToServer(QStringLiteral("127.0.0.1"), server.port(),
                               QStringLiteral("reader"));
        QTRY_COMPARE_WITH_TIMEOUT(reader.state(), ChatClient::State::Online, Timeout);
        CliProcess cli(cliArgs(server.port(), QStringLiteral("paster")));
        QVERIFY2(cli.waitForEvent(QStringLiteral("welcome")), qPrintable(dump(cli)));
        QByteArray paste;
        for (int i = 0; i < 80; ++i)
            paste += "pasted line " + QByteArray::number(i) + '\n';
        cli.write(paste);
        // 50 at once, 30 when the server's 10 s window frees them.
        QVERIFY2(waitFor([&] { return rec.messages.size() >= 80; }, 20000), qPrintable(dump(cli)));
        QTest::qWait(300);
        QCOMPARE(rec.messages.size(), 80);
        for (int i = 0; i < 80; ++i)
            QCOMPARE(rec.countText(QStringLiteral("pasted line %1").arg(i)), 1);
        QCOMPARE(countEvents(cli, QStringLiteral("ack")), 80);
        QCOMPARE(countEvents(cli, QStringLiteral("error"), 430), 0);
        QVERIFY2(!cli.event(QStringLiteral("dead")), qPrintable(dump(cli)));
        cli.write("/quit\n");
        QCOMPARE(cli.waitForExit(), 0);
    }

    // A server answering every line with 430: a trickle of resends, little
    // CPU, and /quit ends the client within its drain timeout.
    void serverRefusingEverythingDoesNotSpinAndQuitWorks()
    {
        REQUIRE_CLI();
        FakeServer server;
        CliProcess cli(cliArgs(server.port(), QStringLiteral("gus")));
        QVERIFY(!server.welcome().isNull());
        QVERIFY2(cli.waitForEvent(QStringLiteral("welcome")), qPrintable(dump(cli)));
        QByteArray lines;
        for (int i = 0; i < 20; ++i)
            lines += "refused " + QByteArray::number(i) + '\n';
        cli.write(lines);
        const qint64 pid = cli.process().processId();
        const qint64 cpuBefore = cpuMs(pid);
        QElapsedTimer clock;
        clock.start();
        int answered = 0;
        while (clock.elapsed() < 3000) {
            const int written = countPrefix(server.lines(), QStringLiteral("SAYID "));
            for (; answered < written; ++answered)
                server.sendLine(QStringLiteral("ERR 430 RATE_LIMITED slow down"));
            QTest::qWait(10);
        }
        const qint64 cpuUsed = cpuMs(pid) - cpuBefore;
        const int written = countPrefix(server.lines(), QStringLiteral("SAYID "));
        qInfo("SAYIDs written in 3 s: %d; cli CPU: %lld ms", written, cpuUsed);
        QVERIFY2(written >= 20 && written <= 24, qPrintable(QString::number(written)));
        QVERIFY2(cpuUsed >= 0 && cpuUsed < 500 * BudgetScale,
                 qPrintable(QStringLiteral("%1 ms").arg(cpuUsed)));
        clock.restart();
        cli.write("/quit\n");
        QCOMPARE(cli.waitForExit(9000), 0);
        QVERIFY(clock.elapsed() < 9000);
    }
};

QTEST_GUILESS_MAIN(TestCliHostile)
#include "tst_cli_hostile.moc"
