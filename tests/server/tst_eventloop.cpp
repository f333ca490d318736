// The server's event loop on real sockets and a real asio::io_context:
// a watcher hears of bytes once per arrival (edge-triggered), not again
// while they sit unread; a watcher removed by another watcher's callback in
// the same wakeup gets none of the events already fetched for it; a removed
// descriptor is no longer watched; a listener is level-triggered; timers
// fire once, in order, not early; a call deferred from a deferred call
// waits for the next turn, after the events that came meanwhile; Asio's
// work runs within the poll period, and at once while a TLS connection
// holds the loop.

#include "eventloop.h"
#include "heartbeatmonitor.h"

#include <QTest>
#include <asio/post.hpp>
#include <asio/steady_timer.hpp>
#include <cstring>
#include <functional>
#include <sys/socket.h>
#include <unistd.h>

using namespace longline::server::net;
using longline::Millis;
using namespace std::chrono_literals;

namespace {

struct Pair
{
    int ends[2] = {-1, -1};
    Pair() { ::socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0, ends); }
    ~Pair()
    {
        ::close(ends[0]);
        ::close(ends[1]);
    }
    int watched() const { return ends[0]; }
    void send(const char *bytes) const { (void)!::write(ends[1], bytes, std::strlen(bytes)); }
};

struct Recorder : EventLoop::Watcher
{
    int readable = 0;
    std::function<void()> then;
    void onReady(uint32_t events) override
    {
        if (events & EPOLLIN)
            ++readable;
        if (then)
            then();
    }
};

void runFor(EventLoop &loop, std::chrono::milliseconds span)
{
    loop.runFor(span);
}

} // namespace

class TestEventLoop : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void edgeTriggeredOncePerArrival()
    {
        asio::io_context io(1);
        EventLoop set(io);
        Pair p;
        Recorder r;
        QVERIFY(!set.add(p.watched(), &r));
        QCOMPARE(set.watched(), 1);
        runFor(set, 50ms); // the registration reports what is ready: nothing to read
        QCOMPARE(r.readable, 0);

        p.send("one\n");
        runFor(set, 50ms);
        QCOMPARE(r.readable, 1);
        runFor(set, 50ms); // unread, but no new arrival: no new event
        QCOMPARE(r.readable, 1);

        p.send("two\n");
        runFor(set, 50ms);
        QCOMPARE(r.readable, 2);

        set.remove(p.watched(), &r);
        QCOMPARE(set.watched(), 0);
        p.send("three\n");
        runFor(set, 50ms);
        QCOMPARE(r.readable, 2);
    }

    void watcherRemovedInTheSameWakeupHearsNothing()
    {
        asio::io_context io(1);
        EventLoop set(io);
        Pair a, b;
        Recorder ra, rb;
        QVERIFY(!set.add(a.watched(), &ra));
        QVERIFY(!set.add(b.watched(), &rb));
        runFor(set, 20ms);
        // Whichever is dispatched first removes the other, whose event was
        // fetched in the same epoll_wait.
        ra.then = [&] { set.remove(b.watched(), &rb); };
        rb.then = [&] { set.remove(a.watched(), &ra); };
        a.send("x");
        b.send("y");
        runFor(set, 50ms);
        QCOMPARE(ra.readable + rb.readable, 1);
        QCOMPARE(set.watched(), 1);
    }

    void listenerIsLevelTriggered()
    {
        asio::io_context io(1);
        EventLoop loop(io);
        Pair p;
        Recorder r;
        QVERIFY(!loop.addListener(p.watched(), &r));
        p.send("x");
        runFor(loop, 30ms);
        // Unread, it is reported again on every turn.
        QVERIFY2(r.readable >= 2, qPrintable(QString::number(r.readable)));
        loop.remove(p.watched(), &r);
        const int before = r.readable;
        runFor(loop, 30ms);
        QCOMPARE(r.readable, before);
    }

    void timersFireOnceInOrderAndNotEarly()
    {
        asio::io_context io(1);
        EventLoop loop(io);
        EventLoop::Timer late(loop), early(loop), cancelled(loop), restarted(loop);
        std::vector<std::pair<char, Millis>> fired;
        const Millis start = longline::monotonicNow();
        auto note = [&](char name) { fired.emplace_back(name, longline::monotonicNow() - start); };
        late.start(120ms, [&] { note('L'); });
        early.start(40ms, [&] { note('E'); });
        cancelled.start(60ms, [&] { note('C'); });
        restarted.start(30ms, [&] { note('X'); });
        restarted.start(80ms, [&] { note('R'); }); // replaces the first
        runFor(loop, 20ms);
        cancelled.cancel();
        QVERIFY(!cancelled.armed());
        QVERIFY(late.armed());
        runFor(loop, 400ms);
        QCOMPARE(fired.size(), size_t(3));
        QCOMPARE(fired[0].first, 'E');
        QCOMPARE(fired[1].first, 'R');
        QCOMPARE(fired[2].first, 'L');
        QVERIFY(fired[0].second >= 40ms);
        QVERIFY(fired[1].second >= 80ms);
        QVERIFY(fired[2].second >= 120ms);
        QVERIFY(!late.armed());
    }

    void timerMayRestartAndDestroyItself()
    {
        asio::io_context io(1);
        EventLoop loop(io);
        int ticks = 0;
        EventLoop::Timer ticker(loop);
        std::function<void()> tick = [&] {
            if (++ticks < 5)
                ticker.start(0ms, tick); // at least 1 ms: never a busy pass
        };
        ticker.start(1ms, tick);
        auto owned = std::make_unique<EventLoop::Timer>(loop);
        bool ran = false;
        owned->start(5ms, [&] {
            ran = true;
            owned.reset(); // the timer destroyed from its own callback
        });
        runFor(loop, 200ms);
        QCOMPARE(ticks, 5);
        QVERIFY(ran);
        QVERIFY(!owned);
    }

    void deferredCallThatDefersAgainWaitsForTheNextTurn()
    {
        asio::io_context io(1);
        EventLoop loop(io);
        Pair p;
        Recorder r;
        QVERIFY(!loop.add(p.watched(), &r));
        runFor(loop, 10ms);
        // A call that keeps deferring itself (a reader with more to read)
        // must not keep the loop from its other events.
        int passes = 0;
        int readableAtFirstPassAfterSend = -1;
        std::function<void()> again = [&] {
            ++passes;
            if (passes == 2)
                p.send("x"); // arrives while the deferring goes on
            if (passes == 4)
                readableAtFirstPassAfterSend = r.readable;
            if (passes < 100)
                loop.defer(again);
        };
        loop.defer(again);
        runFor(loop, 100ms);
        QCOMPARE(passes, 100);
        QCOMPARE(readableAtFirstPassAfterSend, 1);
    }

    void asioWorkRunsWithinThePollPeriodOrAtOnceWhenHeld()
    {
        asio::io_context io(1);
        EventLoop loop(io);
        runFor(loop, 10ms);
        // Not held: an Asio timer fires, late by at most the poll period.
        asio::steady_timer timer(io);
        Millis firedAfter{-1};
        const Millis start = longline::monotonicNow();
        timer.expires_after(10ms);
        timer.async_wait(
            [&](const std::error_code &) { firedAfter = longline::monotonicNow() - start; });
        runFor(loop, 10ms + EventLoop::AsioPollPeriod + 100ms);
        QVERIFY(firedAfter >= 10ms);
        QVERIFY2(firedAfter <= 10ms + EventLoop::AsioPollPeriod + 60ms,
                 qPrintable(QString::number(firedAfter.count())));

        // Held (a TLS connection is open): posted work runs in the turn
        // that follows, not a poll period later.
        loop.holdAsio();
        Pair p;
        Recorder r;
        QVERIFY(!loop.add(p.watched(), &r));
        runFor(loop, 10ms);
        bool ran = false;
        r.then = [&] { asio::post(io, [&] { ran = true; }); };
        p.send("x");
        runFor(loop, 5ms);
        QVERIFY(ran);

        // Held, with nothing else to wake the loop: Asio's timers still
        // fire (systemd's watchdog keep-alive is one).
        loop.remove(p.watched(), &r);
        Millis heldFiredAfter{-1};
        const Millis heldStart = longline::monotonicNow();
        timer.expires_after(10ms);
        timer.async_wait([&](const std::error_code &) {
            heldFiredAfter = longline::monotonicNow() - heldStart;
        });
        runFor(loop, 10ms + EventLoop::AsioPollPeriod + 100ms);
        QVERIFY(heldFiredAfter >= 10ms);
        QVERIFY2(heldFiredAfter <= 10ms + EventLoop::AsioPollPeriod + 60ms,
                 qPrintable(QString::number(heldFiredAfter.count())));
        loop.releaseAsio();
    }
};

QTEST_GUILESS_MAIN(TestEventLoop)
#include "tst_eventloop.moc"
