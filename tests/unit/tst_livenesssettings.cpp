#include "livenesssettings.h"
#include "natdiagnosis.h"

#include <QTest>

using namespace longline;
using namespace std::chrono_literals;

class TestLivenessSettings : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void keepaliveParse()
    {
        const auto k = KeepaliveOptions::parse(QStringLiteral("60,5,3"));
        QVERIFY(k);
        QVERIFY(k->enabled);
        QCOMPARE(k->idleS, 60);
        QCOMPARE(k->intervalS, 5);
        QCOMPARE(k->count, 3);
        QCOMPARE(k->toString(), QStringLiteral("60,5,3"));
        const auto off = KeepaliveOptions::parse(QStringLiteral("off"));
        QVERIFY(off && !off->enabled);
    }
    void keepaliveRejects_data()
    {
        QTest::addColumn<QString>("text");
        for (const char *bad : {"", "60,5", "60,5,3,1", "0,5,3", "60,0,3", "60,5,0", "60,5,128",
                                "32768,5,3", "a,b,c", "1.5,1,1", "-1,1,1"})
            QTest::newRow(bad) << QString::fromLatin1(bad);
    }
    void keepaliveRejects()
    {
        QFETCH(QString, text);
        QString error;
        QVERIFY(!KeepaliveOptions::parse(text, &error));
        QVERIFY(!error.isEmpty());
    }
    void keepaliveBudget()
    {
        KeepaliveOptions k{true, 60, 5, 3};
        QCOMPARE(k.detectionBudget(), Millis(75s));
        KeepaliveOptions kernelDefaults{true, 7200, 75, 9};
        QCOMPARE(kernelDefaults.detectionBudget(), Millis(7200s + 675s));
        KeepaliveOptions fast{true, 1, 1, 2};
        QCOMPARE(fast.detectionBudget(), Millis(3s));
    }
    void keepaliveBudgetWithUserTimeout()
    {
        // The kernel checks the user timeout only when a probe is due.
        KeepaliveOptions k{true, 10, 5, 9};
        QCOMPARE(k.detectionBudget(3s), Millis(15s)); // first check at idle + interval
        QCOMPARE(k.detectionBudget(15s), Millis(15s));
        QCOMPARE(k.detectionBudget(16s), Millis(20s)); // next probe tick
        QCOMPARE(k.detectionBudget(30s), Millis(30s));
    }
    void heartbeatParse()
    {
        const auto h = HeartbeatOptions::parse(QStringLiteral("0.5,1.25"));
        QVERIFY(h);
        QVERIFY(h->enabled);
        QCOMPARE(h->interval, Millis(500));
        QCOMPARE(h->timeout, Millis(1250));
        QCOMPARE(h->detectionBudget(), Millis(1750));
        QCOMPARE(h->toString(), QStringLiteral("0.5,1.25"));
        QVERIFY(!HeartbeatOptions::parse(QStringLiteral("off"))->enabled);
        QVERIFY(!HeartbeatOptions::parse(QStringLiteral("0,1")));
        QVERIFY(!HeartbeatOptions::parse(QStringLiteral("nan,1")));
        QVERIFY(!HeartbeatOptions::parse(QStringLiteral("inf,1")));
        QVERIFY(!HeartbeatOptions::parse(QStringLiteral("5")));
    }
    void userTimeoutParse()
    {
        QCOMPARE(LivenessSettings::parseUserTimeout(QStringLiteral("off")),
                 std::optional<Millis>(0ms));
        QCOMPARE(LivenessSettings::parseUserTimeout(QStringLiteral("2500")),
                 std::optional<Millis>(2500ms));
        QVERIFY(!LivenessSettings::parseUserTimeout(QStringLiteral("-5")));
        QVERIFY(!LivenessSettings::parseUserTimeout(QStringLiteral("99999999999")));
    }
    void overallBudgetIsTheSoonest()
    {
        LivenessSettings s;
        QVERIFY(!s.detectionBudget());
        s.keepalive = {true, 60, 5, 3};
        QCOMPARE(*s.detectionBudget(), Millis(75s));
        s.heartbeat = *HeartbeatOptions::parse(QStringLiteral("5,5"));
        QCOMPARE(*s.detectionBudget(), Millis(10s));
    }
    // A gateway forgot the connection when it was idle at least its timeout
    // and nothing crossed it more often than that.
    void natDropNeedsIdlePastTheTimeoutAndNoKeepWarm()
    {
        using namespace std::chrono_literals;
        NatDropCheck c;
        c.natTimeout = 10s;
        c.idle = 15s;
        QVERIFY(likelyNatDrop(c)); // nothing keeps it warm
        c.idle = 9s;
        QVERIFY(!likelyNatDrop(c)); // not idle long enough
        c.idle = 15s;
        c.natTimeout = 0s;
        QVERIFY(!likelyNatDrop(c)); // timeout unknown: no guess
        c.natTimeout = 10s;
        c.settings.keepalive = *KeepaliveOptions::parse(QStringLiteral("3,3,3"));
        QVERIFY(!likelyNatDrop(c)); // probes every 3 s keep the mapping
        c.settings.keepalive = *KeepaliveOptions::parse(QStringLiteral("30,3,3"));
        QVERIFY(likelyNatDrop(c)); // the first probe comes after the mapping is gone
        c.settings.heartbeat = *HeartbeatOptions::parse(QStringLiteral("5,5"));
        QVERIFY(!likelyNatDrop(c)); // our heartbeats keep it
        c.settings.heartbeat = *HeartbeatOptions::parse(QStringLiteral("off"));
        c.peerHeartbeat = 8s;
        QVERIFY(!likelyNatDrop(c)); // the server's do
        QCOMPARE(*keepWarmInterval(c.settings, c.peerHeartbeat), Millis(8000));
        c.peerHeartbeat = 15s;
        QVERIFY(likelyNatDrop(c));
        QCOMPARE(*keepWarmInterval(c.settings, c.peerHeartbeat), Millis(15000));
        QVERIFY(!keepWarmInterval(LivenessSettings{}, std::nullopt));
    }

    void formatting()
    {
        QCOMPARE(formatMillis(350ms), QStringLiteral("350 ms"));
        QCOMPARE(formatMillis(1250ms), QStringLiteral("1.25 s"));
        QCOMPARE(formatMillis(75s), QStringLiteral("1 min 15 s"));
        QCOMPARE(formatMillis(7875s), QStringLiteral("2 h 11 min"));
    }
};

QTEST_GUILESS_MAIN(TestLivenessSettings)
#include "tst_livenesssettings.moc"
