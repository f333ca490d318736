#include "heartbeatmonitor.h"

#include <QTest>

using namespace longline;
using namespace std::chrono_literals;
using Action = HeartbeatMonitor::Action;

// Drives the monitor on a fake clock, polling at its own period.
class FakeClock
{
public:
    Millis now{100000};
    HeartbeatMonitor::Clock clock()
    {
        return [this] { return now; };
    }
};

class TestHeartbeatMonitor : public QObject
{
    Q_OBJECT

    static HeartbeatOptions opts(Millis interval, Millis timeout)
    {
        HeartbeatOptions o;
        o.enabled = true;
        o.interval = interval;
        o.timeout = timeout;
        return o;
    }

    // Advances the clock in poll-period steps until an action or `limit`.
    static HeartbeatMonitor::Decision runUntilAction(FakeClock &c, HeartbeatMonitor &m,
                                                     Millis limit)
    {
        const Millis end = c.now + limit;
        while (c.now < end) {
            c.now += m.pollPeriod();
            const auto d = m.poll();
            if (d.action != Action::None)
                return d;
        }
        return {};
    }

private Q_SLOTS:
    void offMeansOff()
    {
        FakeClock c;
        HeartbeatMonitor m(c.clock());
        m.setOptions(HeartbeatOptions{}); // disabled
        m.start();
        for (int i = 0; i < 1000; ++i) {
            c.now += 1s;
            QCOMPARE(m.poll().action, Action::None);
        }
    }
    void pingsAfterIntervalOfSilence()
    {
        FakeClock c;
        HeartbeatMonitor m(c.clock());
        m.setOptions(opts(2s, 1s));
        m.start();
        const Millis started = c.now;
        const auto d = runUntilAction(c, m, 10s);
        QCOMPARE(d.action, Action::SendPing);
        QVERIFY(!d.token.isEmpty());
        QVERIFY(c.now - started >= 2s);
        QVERIFY(c.now - started <= 2s + m.pollPeriod());
    }
    void anyByteDefersThePing()
    {
        FakeClock c;
        HeartbeatMonitor m(c.clock());
        m.setOptions(opts(2s, 1s));
        m.start();
        for (int i = 0; i < 100; ++i) { // 10 s of chatter every 100 ms
            c.now += 100ms;
            m.noteReceived();
            QCOMPARE(m.poll().action, Action::None);
        }
        QVERIFY(m.silence() < 200ms);
    }
    void deadAfterIntervalPlusTimeoutFromLastByte()
    {
        FakeClock c;
        HeartbeatMonitor m(c.clock());
        m.setOptions(opts(1s, 2s));
        m.start();
        c.now += 500ms;
        m.noteReceived();
        const Millis lastByte = c.now;
        int pings = 0;
        HeartbeatMonitor::Decision d;
        while ((d = runUntilAction(c, m, 10s)).action == Action::SendPing)
            ++pings;
        QCOMPARE(d.action, Action::Dead);
        // A ping at 1 s and again at 2 s of silence, dead at 3 s.
        QCOMPARE(pings, 2);
        QVERIFY(c.now - lastByte >= 3s);
        QVERIFY(c.now - lastByte <= 3s + m.pollPeriod());
        QVERIFY(!m.running());
    }
    void pongDoesNotPostponeTheNextPingBeyondInterval()
    {
        // The pitfall: a reply that restarts a timer doubles detection time.
        // Here the next ping comes one interval after the last byte (the
        // pong), and death one interval + timeout after it, no later.
        FakeClock c;
        HeartbeatMonitor m(c.clock());
        m.setOptions(opts(1s, 1s));
        m.start();
        auto d = runUntilAction(c, m, 5s);
        QCOMPARE(d.action, Action::SendPing);
        c.now += 40ms;
        m.noteReceived();
        const auto rtt = m.notePong(d.token);
        QVERIFY(rtt);
        QCOMPARE(*rtt, 40ms);
        const Millis pongAt = c.now;
        d = runUntilAction(c, m, 5s);
        QCOMPARE(d.action, Action::SendPing);
        QVERIFY(c.now - pongAt <= 1s + m.pollPeriod());
        while ((d = runUntilAction(c, m, 5s)).action == Action::SendPing) {
        }
        QCOMPARE(d.action, Action::Dead);
        QVERIFY(c.now - pongAt <= 2s + m.pollPeriod());
    }
    void unknownPongIsIgnored()
    {
        FakeClock c;
        HeartbeatMonitor m(c.clock());
        m.setOptions(opts(1s, 1s));
        m.start();
        QVERIFY(!m.notePong(QStringLiteral("nope")));
    }
    void lagIsAgeOfOldestUnansweredPingAndSilenceIsSeparate()
    {
        FakeClock c;
        HeartbeatMonitor m(c.clock());
        m.setOptions(opts(1s, 5s));
        m.start();
        QVERIFY(!m.lag());
        const auto first = runUntilAction(c, m, 5s);
        const Millis firstAt = c.now;
        QCOMPARE(first.action, Action::SendPing);
        const auto second = runUntilAction(c, m, 5s);
        QCOMPARE(second.action, Action::SendPing);
        QCOMPARE(m.pingsInFlight(), 2);
        c.now += 300ms;
        QCOMPARE(*m.lag(), c.now - firstAt);
        // A chat byte arrives: silence resets, lag does not (pings unanswered).
        m.noteReceived();
        QCOMPARE(m.silence(), 0ms);
        QCOMPARE(*m.lag(), c.now - firstAt);
        // Answering the second implies the first was answered too.
        QVERIFY(m.notePong(second.token));
        QVERIFY(!m.lag());
        QCOMPARE(m.pingsInFlight(), 0);
    }
    void latePollProbesBeforeDeclaringDeath()
    {
        // The event loop stalled (or the laptop slept) for 30 s: silence is
        // ours. Probe first, and only a further `timeout` of silence kills.
        FakeClock c;
        HeartbeatMonitor m(c.clock());
        m.setOptions(opts(1s, 2s));
        m.start();
        c.now += 30s;
        auto d = m.poll();
        QCOMPARE(d.action, Action::SendPing);
        QCOMPARE(m.latePolls(), 1);
        const Millis wokeAt = c.now;
        // The peer answers promptly: no death.
        c.now += 50ms;
        m.noteReceived();
        QVERIFY(m.notePong(d.token));
        QCOMPARE(m.poll().action, Action::None);
        // Another stall, and this time nothing comes back.
        c.now += 30s;
        d = m.poll();
        QCOMPARE(d.action, Action::SendPing);
        const Millis secondWake = c.now;
        while ((d = runUntilAction(c, m, 10s)).action == Action::SendPing) {
        }
        QCOMPARE(d.action, Action::Dead);
        QVERIFY(c.now - secondWake >= 2s);
        QVERIFY(c.now - secondWake <= 2s + m.pollPeriod());
        Q_UNUSED(wokeAt);
    }
    void inFlightTableIsBounded()
    {
        FakeClock c;
        HeartbeatMonitor m(c.clock());
        m.setOptions(opts(100ms, 1000s));
        m.start();
        for (int i = 0; i < 200; ++i)
            runUntilAction(c, m, 1s);
        QVERIFY(m.pingsInFlight() <= HeartbeatMonitor::MaxInFlight);
    }
    void pollPeriodScalesWithSettings()
    {
        HeartbeatMonitor m;
        m.setOptions(opts(1s, 1s));
        QVERIFY(m.pollPeriod() <= 125ms);
        m.setOptions(opts(60s, 30s));
        QCOMPARE(m.pollPeriod(), 1000ms);
        m.setOptions(opts(50ms, 50ms));
        QCOMPARE(m.pollPeriod(), 20ms);
    }
};

QTEST_GUILESS_MAIN(TestHeartbeatMonitor)
#include "tst_heartbeatmonitor.moc"
