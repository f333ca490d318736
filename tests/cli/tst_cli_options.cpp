// longline-cli's command line and its text event format.

#include "clioptions.h"
#include "eventlog.h"

#include <QJsonArray>
#include <QtTest>

using namespace longline;
using namespace longline::cli;

namespace {
ParsedArguments parse(const QStringList &args)
{
    return parseArguments(QStringList{QStringLiteral("longline-cli")} + args);
}
} // namespace

class TestCliOptions : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void defaults()
    {
        const auto r = parse(
            {QStringLiteral("chat.example"), QStringLiteral("--nick"), QStringLiteral("bob")});
        QCOMPARE(r.outcome, ParseOutcome::Run);
        QCOMPARE(r.options.host, QStringLiteral("chat.example"));
        QCOMPARE(r.options.port, quint16(9999));
        QCOMPARE(r.options.nick, QStringLiteral("bob"));
        QCOMPARE(r.options.events, EventFormat::Text);
        QCOMPARE(r.options.reconnect, false);
        QCOMPARE(r.options.history, 0);
        QCOMPARE(r.options.kernelSampleMs, 0);
        QCOMPARE(r.options.liveness.keepalive.enabled, false);
        QCOMPARE(r.options.liveness.heartbeat.enabled, false);
        QCOMPARE(r.options.liveness.userTimeout, Millis{0});
    }

    void everything()
    {
        const auto r = parse(
            {QStringLiteral("--nick"), QStringLiteral("bob"), QStringLiteral("::1"),
             QStringLiteral("4000"), QStringLiteral("--keepalive"), QStringLiteral("60,5,3"),
             QStringLiteral("--user-timeout"), QStringLiteral("10000"),
             QStringLiteral("--heartbeat"), QStringLiteral("2.5,1"), QStringLiteral("--events"),
             QStringLiteral("json"), QStringLiteral("--reconnect"), QStringLiteral("--history"),
             QStringLiteral("20"), QStringLiteral("--kernel-sample"), QStringLiteral("250")});
        QCOMPARE(r.outcome, ParseOutcome::Run);
        QCOMPARE(r.options.host, QStringLiteral("::1"));
        QCOMPARE(r.options.port, quint16(4000));
        QCOMPARE(r.options.liveness.keepalive.toString(), QStringLiteral("60,5,3"));
        QCOMPARE(r.options.liveness.userTimeout, Millis{10000});
        QCOMPARE(r.options.liveness.heartbeat.interval, Millis{2500});
        QCOMPARE(r.options.liveness.heartbeat.timeout, Millis{1000});
        QCOMPARE(r.options.events, EventFormat::Json);
        QCOMPARE(r.options.reconnect, true);
        QCOMPARE(r.options.history, 20);
        QCOMPARE(r.options.kernelSampleMs, 250);
    }

    void discoveryAndAdaptive()
    {
        auto r = parse({QStringLiteral("--discover-nat-timeout"), QStringLiteral("gw.example"),
                        QStringLiteral("--resolution"), QStringLiteral("5"),
                        QStringLiteral("--probe-range"), QStringLiteral("10,600")});
        QCOMPARE(r.outcome, ParseOutcome::Run); // no --nick needed to measure
        QVERIFY(r.options.discoverNatTimeout);
        QCOMPARE(r.options.resolution, 0.05);
        QCOMPARE(r.options.probeMinS, 10);
        QCOMPARE(r.options.probeMaxS, 600);
        r = parse({QStringLiteral("h"), QStringLiteral("--nick"), QStringLiteral("ada"),
                   QStringLiteral("--adaptive"), QStringLiteral("--adaptive-store"),
                   QStringLiteral("/tmp/p.ini"), QStringLiteral("--recheck"),
                   QStringLiteral("60")});
        QCOMPARE(r.outcome, ParseOutcome::Run);
        QVERIFY(r.options.adaptive);
        QCOMPARE(r.options.adaptiveStore, QStringLiteral("/tmp/p.ini"));
        QCOMPARE(r.options.recheckS, 60);
    }

    void errors_data()
    {
        QTest::addColumn<QStringList>("args");
        QTest::addColumn<QString>("mentions");
        const QString h = QStringLiteral("host");
        const QString n = QStringLiteral("--nick");
        QTest::newRow("no nick") << QStringList{h} << QStringLiteral("--nick");
        QTest::newRow("no host") << QStringList{n, QStringLiteral("bob")} << QStringLiteral("HOST");
        QTest::newRow("bad nick") << QStringList{h, n, QStringLiteral("b o b")}
                                  << QStringLiteral("nick");
        QTest::newRow("bad port") << QStringList{h, QStringLiteral("70000"), n,
                                                 QStringLiteral("bob")}
                                  << QStringLiteral("PORT");
        QTest::newRow("extra arg")
            << QStringList{h, QStringLiteral("1"), QStringLiteral("2"), n, QStringLiteral("bob")}
            << QStringLiteral("too many");
        QTest::newRow("keepalive")
            << QStringList{h, n, QStringLiteral("bob"), QStringLiteral("--keepalive"),
                           QStringLiteral("1,2")}
            << QStringLiteral("--keepalive");
        QTest::newRow("heartbeat")
            << QStringList{h, n, QStringLiteral("bob"), QStringLiteral("--heartbeat"),
                           QStringLiteral("x")}
            << QStringLiteral("--heartbeat");
        QTest::newRow("user timeout")
            << QStringList{h, n, QStringLiteral("bob"), QStringLiteral("--user-timeout"),
                           QStringLiteral("-5")}
            << QStringLiteral("--user-timeout");
        QTest::newRow("events") << QStringList{h, n, QStringLiteral("bob"),
                                               QStringLiteral("--events"), QStringLiteral("xml")}
                                << QStringLiteral("--events");
        QTest::newRow("history") << QStringList{h, n, QStringLiteral("bob"),
                                                QStringLiteral("--history"), QStringLiteral("-1")}
                                 << QStringLiteral("--history");
        QTest::newRow("kernel sample")
            << QStringList{h, n, QStringLiteral("bob"), QStringLiteral("--kernel-sample"),
                           QStringLiteral("often")}
            << QStringLiteral("--kernel-sample");
        const QString d = QStringLiteral("--discover-nat-timeout");
        QTest::newRow("resolution")
            << QStringList{d, h, QStringLiteral("--resolution"), QStringLiteral("0")}
            << QStringLiteral("--resolution");
        QTest::newRow("probe range")
            << QStringList{d, h, QStringLiteral("--probe-range"), QStringLiteral("60,5")}
            << QStringLiteral("--probe-range");
        QTest::newRow("discover and adaptive")
            << QStringList{d, h, QStringLiteral("--adaptive")} << QStringLiteral("--adaptive");
        QTest::newRow("recheck") << QStringList{h, n, QStringLiteral("bob"),
                                                QStringLiteral("--recheck"), QStringLiteral("0")}
                                 << QStringLiteral("--recheck");
        QTest::newRow("unknown option")
            << QStringList{h, n, QStringLiteral("bob"), QStringLiteral("--frobnicate")}
            << QStringLiteral("frobnicate");
    }
    void errors()
    {
        QFETCH(QStringList, args);
        QFETCH(QString, mentions);
        const auto r = parse(args);
        QCOMPARE(r.outcome, ParseOutcome::Error);
        QVERIFY2(r.message.contains(mentions), qPrintable(r.message));
    }

    void helpAndVersion()
    {
        auto r = parse({QStringLiteral("--help")});
        QCOMPARE(r.outcome, ParseOutcome::Help);
        QVERIFY(r.message.contains(QStringLiteral("--heartbeat")));
        r = parse({QStringLiteral("--version")});
        QCOMPARE(r.outcome, ParseOutcome::Version);
        QCOMPARE(r.message,
                 QStringLiteral("longline-cli %1").arg(QStringLiteral(LONGLINE_VERSION)));
    }

    void textEventFormat()
    {
        const QJsonObject fields{
            {QStringLiteral("cause"), QStringLiteral("heartbeat_timeout")},
            {QStringLiteral("reason"), QStringLiteral("a \"quoted\" word")},
            {QStringLiteral("empty"), QString()},
            {QStringLiteral("budget_ms"), QJsonValue()},
            {QStringLiteral("ok"), true},
            {QStringLiteral("n"), 1500},
            {QStringLiteral("nested"), QJsonObject{{QStringLiteral("a"), 1}}},
            {QStringLiteral("list"), QJsonArray{QStringLiteral("x"), QStringLiteral("y")}},
            {QStringLiteral("ctl"), QStringLiteral("a\x1b"
                                                   "b")},
        };
        QCOMPARE(
            EventLog::formatText(QStringLiteral("dead"), fields),
            QStringLiteral("dead budget_ms=none cause=heartbeat_timeout ctl=a\uFFFDb empty=\"\" "
                           "list=\"x; y\" n=1500 nested.a=1 ok=true "
                           "reason=\"a \\\"quoted\\\" word\""));
    }
};

QTEST_GUILESS_MAIN(TestCliOptions)
#include "tst_cli_options.moc"
