// The reactor's timing wheel on a real EventLoop: deadlines fire
// once, in order, not before they are due and at most a couple of ticks
// after; re-arming moves a deadline; cancelling and destroying entries
// (also from inside another entry's callback) is safe; deadlines further
// away than one turn of the wheel wait for their turn; thousands due at once
// fire in passes, with the loop's sockets served between them.

#include "timerwheel.h"

#include "heartbeatmonitor.h"

#include <QTest>
#include <functional>
#include <memory>
#include <sys/socket.h>
#include <unistd.h>
#include <vector>

using namespace longline;
using namespace longline::server::net;
using namespace std::chrono_literals;

namespace {

struct Recorder : TimerWheel::Entry
{
    std::vector<Millis> fired;
    std::function<void(Millis)> then;
    void onTimer(Millis now) override
    {
        fired.push_back(now);
        if (then)
            then(now);
    }
};

// Runs the loop until `done` or `limit` passed.
template <typename F> void runUntil(EventLoop &loop, F done, Millis limit)
{
    const Millis end = monotonicNow() + limit;
    while (!done() && monotonicNow() < end)
        loop.runFor(std::chrono::milliseconds(5));
}

} // namespace

class TestTimerWheel : public QObject
{
    Q_OBJECT

    static constexpr Millis Tick = 10ms;
    // Fired at most two ticks late, plus scheduling noise on a busy machine.
    static constexpr Millis Late = Tick * 2 + 60ms;

private Q_SLOTS:
    void firesOnceWhenDue()
    {
        asio::io_context io;
        EventLoop loop(io);
        TimerWheel wheel(loop, Tick, 64);
        Recorder a, b;
        const Millis start = monotonicNow();
        wheel.schedule(&a, start + 150ms);
        wheel.schedule(&b, start + 50ms);
        QCOMPARE(wheel.armedCount(), size_t(2));
        runUntil(
            loop, [&] { return !a.fired.empty(); }, 2s);
        QCOMPARE(b.fired.size(), size_t(1));
        QCOMPARE(a.fired.size(), size_t(1));
        QVERIFY(b.fired[0] >= start + 50ms);
        QVERIFY(b.fired[0] <= start + 50ms + Late);
        QVERIFY(a.fired[0] >= start + 150ms);
        QVERIFY(a.fired[0] <= start + 150ms + Late);
        QVERIFY(!a.armed());
        QCOMPARE(wheel.armedCount(), size_t(0));
        // Nothing fires twice.
        runUntil(
            loop, [] { return false; }, 100ms);
        QCOMPARE(a.fired.size(), size_t(1));
    }

    // The bug this wheel once had: a deadline inside the tick being
    // processed was skipped for a whole turn.
    void shortDeadlinesInsideTheCurrentTickAreNotSkipped()
    {
        asio::io_context io;
        EventLoop loop(io);
        TimerWheel wheel(loop, Tick, 64);
        Recorder keepTicking;
        wheel.schedule(&keepTicking, monotonicNow() + 10s);
        for (int round = 0; round < 20; ++round) {
            Recorder r;
            const Millis start = monotonicNow();
            wheel.schedule(&r, start + Millis(3 + round % 7));
            runUntil(
                loop, [&] { return !r.fired.empty(); }, 1s);
            QVERIFY2(!r.fired.empty(), qPrintable(QString::number(round)));
            QVERIFY(r.fired[0] - start <= Late + 10ms);
        }
    }

    void rearmMovesTheDeadline()
    {
        asio::io_context io;
        EventLoop loop(io);
        TimerWheel wheel(loop, Tick, 64);
        Recorder r;
        const Millis start = monotonicNow();
        wheel.schedule(&r, start + 40ms);
        wheel.schedule(&r, start + 200ms);
        QCOMPARE(wheel.armedCount(), size_t(1));
        runUntil(
            loop, [&] { return !r.fired.empty(); }, 2s);
        QCOMPARE(r.fired.size(), size_t(1));
        QVERIFY(r.fired[0] >= start + 200ms);
    }

    void cancelAndDestroyFromACallback()
    {
        asio::io_context io;
        EventLoop loop(io);
        TimerWheel wheel(loop, Tick, 64);
        Recorder first;
        auto second = std::make_unique<Recorder>();
        Recorder third;
        const Millis at = monotonicNow() + 30ms;
        // All three fall due in the same tick; the first destroys the
        // second and cancels the third before they run.
        wheel.schedule(&first, at);
        wheel.schedule(second.get(), at);
        wheel.schedule(&third, at);
        first.then = [&](Millis) {
            second.reset();
            wheel.cancel(&third);
        };
        runUntil(
            loop, [&] { return !first.fired.empty(); }, 2s);
        runUntil(
            loop, [] { return false; }, 60ms);
        QCOMPARE(first.fired.size(), size_t(1));
        QVERIFY(third.fired.empty());
        QCOMPARE(wheel.armedCount(), size_t(0));
    }

    void selfRearmingEntryKeepsFiring()
    {
        asio::io_context io;
        EventLoop loop(io);
        TimerWheel wheel(loop, Tick, 64);
        Recorder r;
        r.then = [&](Millis now) {
            if (r.fired.size() < 5)
                wheel.schedule(&r, now + 20ms);
        };
        wheel.schedule(&r, monotonicNow() + 20ms);
        runUntil(
            loop, [&] { return r.fired.size() == 5; }, 2s);
        QCOMPARE(r.fired.size(), size_t(5));
        for (size_t i = 1; i < r.fired.size(); ++i)
            QVERIFY(r.fired[i] - r.fired[i - 1] >= 20ms);
    }

    void deadlinesBeyondOneTurnWaitForTheirTurn()
    {
        asio::io_context io;
        EventLoop loop(io);
        TimerWheel wheel(loop, Tick, 8); // one turn is 80 ms
        Recorder far, near;
        const Millis start = monotonicNow();
        wheel.schedule(&far, start + 250ms);
        wheel.schedule(&near, start + 20ms);
        runUntil(
            loop, [&] { return !far.fired.empty(); }, 2s);
        QCOMPARE(far.fired.size(), size_t(1));
        QVERIFY(far.fired[0] >= start + 250ms);
        QVERIFY(far.fired[0] <= start + 250ms + Late);
        QCOMPARE(near.fired.size(), size_t(1));
    }

    // A wheel holding one deadline sleeps until that deadline's tick, not
    // tick by tick: an idle server's heartbeats must not wake it 50 times
    // a second.
    void sleepsToTheNextOccupiedTick()
    {
        asio::io_context io;
        EventLoop loop(io);
        TimerWheel wheel(loop, Tick, 64);
        Recorder r;
        const Millis start = monotonicNow();
        wheel.schedule(&r, start + 300ms);
        runUntil(
            loop, [&] { return !r.fired.empty(); }, 2s);
        QCOMPARE(r.fired.size(), size_t(1));
        QVERIFY(r.fired[0] >= start + 300ms);
        QVERIFY(r.fired[0] <= start + 300ms + Late);
        // 30 ticks went by; the wheel woke for the one that held the entry
        // (and perhaps one early by the clock's rounding).
        QVERIFY2(wheel.wakeups() <= 2, qPrintable(QString::number(wheel.wakeups())));
        // A nearer deadline armed while it sleeps brings the wake forward.
        Recorder later, sooner;
        const Millis again = monotonicNow();
        wheel.schedule(&later, again + 400ms);
        wheel.schedule(&sooner, again + 50ms);
        runUntil(
            loop, [&] { return !sooner.fired.empty(); }, 2s);
        QCOMPARE(sooner.fired.size(), size_t(1));
        QVERIFY(sooner.fired[0] <= again + 50ms + Late);
        QVERIFY(later.fired.empty());
    }

    // Thousands due in one tick (a mass reconnect's heartbeats) fire in
    // passes of MaxFiresPerPass, and a socket that became readable meanwhile
    // is served between two passes, not after all of them.
    void manyDueAtOnceLetTheLoopBreathe()
    {
        asio::io_context io;
        EventLoop loop(io);
        TimerWheel wheel(loop, Tick, 64);
        constexpr size_t Count = TimerWheel::MaxFiresPerPass * 4;
        int fired = 0;
        int firedWhenRead = -1;
        int ends[2];
        QCOMPARE(::socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0, ends), 0);
        struct Reader : EventLoop::Watcher
        {
            std::function<void()> then;
            void onReady(uint32_t events) override
            {
                if (events & EPOLLIN)
                    then();
            }
        } reader;
        reader.then = [&] {
            if (firedWhenRead < 0)
                firedWhenRead = fired;
        };
        QVERIFY(!loop.add(ends[0], &reader));
        struct Counting : TimerWheel::Entry
        {
            std::function<void()> then;
            void onTimer(Millis) override { then(); }
        };
        std::vector<std::unique_ptr<Counting>> entries;
        const Millis due = monotonicNow() + 30ms;
        for (size_t i = 0; i < Count; ++i) {
            entries.push_back(std::make_unique<Counting>());
            entries.back()->then = [&] {
                // The first one fired makes the socket readable.
                if (++fired == 1)
                    (void)!::write(ends[1], "x", 1);
            };
            wheel.schedule(entries.back().get(), due);
        }
        runUntil(
            loop, [&] { return fired == int(Count); }, 2s);
        QCOMPARE(fired, int(Count));
        QVERIFY2(firedWhenRead > 0 && firedWhenRead <= int(TimerWheel::MaxFiresPerPass) * 2,
                 qPrintable(QString::number(firedWhenRead)));
        loop.remove(ends[0], &reader);
        ::close(ends[0]);
        ::close(ends[1]);
    }
};

QTEST_APPLESS_MAIN(TestTimerWheel)
#include "tst_timerwheel.moc"
