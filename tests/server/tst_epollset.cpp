// The event loop's own epoll set on a real asio::io_context and real
// sockets: a watcher hears of bytes once per arrival (edge-triggered), not
// again while they sit unread; a watcher removed by another watcher's
// callback in the same wakeup gets none of the events already fetched for
// it; a removed descriptor is no longer watched.

#include "epollset.h"

#include <QTest>
#include <cstring>
#include <functional>
#include <sys/socket.h>
#include <unistd.h>

using namespace longline::server::net;
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

struct Recorder : EpollSet::Watcher
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

void runFor(asio::io_context &io, std::chrono::milliseconds span)
{
    io.restart();
    io.run_for(span);
}

} // namespace

class TestEpollSet : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void edgeTriggeredOncePerArrival()
    {
        asio::io_context io(1);
        EpollSet set(io);
        Pair p;
        Recorder r;
        QVERIFY(!set.add(p.watched(), &r));
        QCOMPARE(set.watched(), 1);
        runFor(io, 50ms); // the registration reports what is ready: nothing to read
        QCOMPARE(r.readable, 0);

        p.send("one\n");
        runFor(io, 50ms);
        QCOMPARE(r.readable, 1);
        runFor(io, 50ms); // unread, but no new arrival: no new event
        QCOMPARE(r.readable, 1);

        p.send("two\n");
        runFor(io, 50ms);
        QCOMPARE(r.readable, 2);

        set.remove(p.watched(), &r);
        QCOMPARE(set.watched(), 0);
        p.send("three\n");
        runFor(io, 50ms);
        QCOMPARE(r.readable, 2);
    }

    void watcherRemovedInTheSameWakeupHearsNothing()
    {
        asio::io_context io(1);
        EpollSet set(io);
        Pair a, b;
        Recorder ra, rb;
        QVERIFY(!set.add(a.watched(), &ra));
        QVERIFY(!set.add(b.watched(), &rb));
        runFor(io, 20ms);
        // Whichever is dispatched first removes the other, whose event was
        // fetched in the same epoll_wait.
        ra.then = [&] { set.remove(b.watched(), &rb); };
        rb.then = [&] { set.remove(a.watched(), &ra); };
        a.send("x");
        b.send("y");
        runFor(io, 50ms);
        QCOMPARE(ra.readable + rb.readable, 1);
        QCOMPARE(set.watched(), 1);
    }
};

QTEST_GUILESS_MAIN(TestEpollSet)
#include "tst_epollset.moc"
