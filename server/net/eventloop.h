#pragma once
// The server's event loop, in one file: one epoll set for every client
// socket and the listener, a few loop-wide timers, calls deferred to the
// end of the current event, and Asio for what is not on the clients' path.
//
// Why not Asio's own loop: Asio keeps, for every socket, a reactor entry
// (168 bytes) and, for every pending wait, an operation object (224 bytes),
// and re-registers a descriptor with epoll_ctl on every wait. Nesting a set
// of our own inside Asio's loop still cost two system calls per wakeup
// (Asio's epoll_wait, then the set's; then Asio's epoll_ctl to wait again).
// Here a client costs one epoll_wait per wakeup, shared by every socket
// ready in it: a PING is epoll_wait, recv and send. (What the user-timeout
// verdict needs about the data in flight is worked out when it is made:
// SentBytesLog in kernelsocketview.h.)
//
// Asio still runs, on this thread, what is not on the clients' path: TLS
// streams, the admin socket, the metrics endpoint, signals, systemd's
// status timer, and a few rare timers (accept retry, shutdown grace,
// hand-over barrier). run() polls it every turn while a TLS connection is
// open (its socket is in this loop's set too, so its traffic wakes the
// loop), and otherwise every AsioPollPeriod: an operator's command or a
// signal waits at most that long.

#include "heartbeatmonitor.h" // monotonicNow
#include "livenesssettings.h"

#include <array>
#include <asio/io_context.hpp>
#include <cstdint>
#include <functional>
#include <mutex>
#include <set>
#include <sys/epoll.h>
#include <system_error>
#include <thread>
#include <utility>
#include <vector>

namespace longline::server::net {

using namespace std::chrono_literals;

class EventLoop
{
public:
    class Watcher
    {
    public:
        // `events`: EPOLLIN, EPOLLOUT, EPOLLRDHUP, EPOLLHUP, EPOLLERR as the
        // kernel reported them. Edge-triggered (add()): read and write until
        // EAGAIN (or a short read), or nothing wakes the watcher again.
        virtual void onReady(uint32_t events) = 0;

    protected:
        ~Watcher() = default;
    };

    // A one-shot timer of the loop, owned by its user; destroying it
    // cancels it. For the loop's few own deadlines: a connection's are the
    // TimerWheel's, which runs on one of these.
    class Timer
    {
    public:
        explicit Timer(EventLoop &loop) : m_loop(loop) {}
        ~Timer() { cancel(); }
        Timer(const Timer &) = delete;
        Timer &operator=(const Timer &) = delete;
        // (Re)starts: `fn` runs once, `after` from now. `fn` may restart
        // this timer or destroy it.
        void start(Millis after, std::function<void()> fn);
        void cancel();
        bool armed() const { return m_armed; }

    private:
        friend class EventLoop;
        EventLoop &m_loop;
        std::function<void()> m_fn;
        Millis m_due{0};
        bool m_armed = false;
    };

    // How often Asio's work is looked at when no TLS connection is open:
    // each look is a wakeup of its own, which at 50 ms cost about 1 % of
    // the CPU of 2,000 PINGs a second; an operator's command waits at most
    // this long.
    static constexpr Millis AsioPollPeriod = 100ms;
    // Events fetched per wakeup; more stay ready for the next one.
    static constexpr int BatchSize = 256;

    // Throws std::system_error when the kernel gives no epoll descriptor.
    explicit EventLoop(asio::io_context &asio);
    ~EventLoop();
    EventLoop(const EventLoop &) = delete;
    EventLoop &operator=(const EventLoop &) = delete;

    asio::io_context &asio() { return m_asio; }

    // A client socket: registered once, edge-triggered for input and output.
    std::error_code add(int fd, Watcher *watcher);
    // A listening socket: level-triggered input, so a wakeup may leave
    // waiting connections for the next one.
    std::error_code addListener(int fd, Watcher *watcher);
    // Before the descriptor is closed or handed on (a descriptor shared
    // with another process would otherwise stay in the set). The watcher
    // gets no more events, not even ones already fetched in this wakeup.
    void remove(int fd, Watcher *watcher);
    int watched() const { return m_watched; }

    // Runs `fn` on this thread later in this turn, after the events and
    // timers of its wait; one deferred from a deferred call runs in the next
    // turn, after a wait that does not block (what asio::post did for the
    // loop's own work).
    void defer(std::function<void()> fn) { m_deferred.push_back(std::move(fn)); }
    // From any thread (the storage thread's results): runs `fn` on this
    // loop's thread soon, in the order posted. An eventfd in the set wakes
    // a waiting loop, once per batch of posts.
    void post(std::function<void()> fn);

    // The loop turning on the calling thread (run() or runFor()), if any.
    static EventLoop *current() { return t_current; }
    // Whether the caller runs on this loop's thread: the thread that made
    // it, or the one that last called run().
    bool isCurrent() const { return std::this_thread::get_id() == m_thread; }
    // Held from the end of each wait to the end of its turn, when set (the
    // first of several loops: NetServer's chat lock, so that what runs on
    // that loop, Asio's work included, has the room to itself).
    void setTurnLock(std::recursive_mutex *lock) { m_turnLock = lock; }

    // For a loop whose Asio context never gets work (the server's other
    // loops): no look at it every AsioPollPeriod, so an idle loop sleeps
    // until a socket, a timer or a post wakes it.
    void ignoreAsio() { m_pollsAsio = false; }

    // While held (by every open TLS connection), Asio is polled every turn.
    void holdAsio() { ++m_asioHolds; }
    void releaseAsio() { --m_asioHolds; }

    // The time for a handler to go by: while the loop handles what a wait
    // returned, the moment that wait ended, so one clock read serves every
    // socket ready in the wakeup (on this VM a read costs about a sixth of
    // a PING's user-space work). It is read again after timers fired and
    // before Asio's work, so it lags the clock by at most one pass over the
    // ready sockets (a few milliseconds in a HELLO storm, microseconds
    // otherwise), and never goes back. Outside a wakeup, the clock itself.
    Millis now() const { return m_inWakeup ? m_wokeAt : monotonicNow(); }

    // Turns until stop(); runFor() at most `span` (tests).
    void run();
    void runFor(Millis span);
    // From this loop's thread; another thread posts it (post()).
    void stop() { m_stopped = true; }

private:
    // The eventfd that post() writes; its calls run when it is ready.
    class Mailbox : public Watcher
    {
    public:
        explicit Mailbox(EventLoop &loop);
        ~Mailbox();
        void post(std::function<void()> fn);
        void onReady(uint32_t events) override;

    private:
        EventLoop &m_loop;
        int m_fd = -1;
        std::mutex m_mutex;
        std::vector<std::function<void()>> m_calls; // guarded by m_mutex
    };

    // One turn: one wait of at most `limit` (-1: until something happens;
    // none when calls are deferred), its events, due timers, the calls
    // deferred so far, Asio's ready work.
    void turn(Millis limit);
    void dispatch(int count);
    bool fireTimers(Millis now); // true when any fired
    void runDeferred();
    void pollAsio(Millis now);
    void arm(Timer *timer);
    void disarm(Timer *timer);

    asio::io_context &m_asio;
    int m_epoll = -1;
    int m_watched = 0;
    std::array<epoll_event, BatchSize> m_batch{};
    int m_batchSize = 0;
    int m_batchNext = 0; // index of the next event to dispatch
    std::set<std::pair<Millis, Timer *>> m_timers;
    std::vector<std::function<void()>> m_deferred;
    int m_asioHolds = 0;
    Millis m_nextAsioPoll{0};
    Millis m_wokeAt{0};
    bool m_inWakeup = false; // between a wait's end and the end of its turn
    // The last turn handled at most one socket's event and nothing else:
    // m_wokeAt is still the time for the next wait (turn()).
    bool m_lightTurn = false;
    bool m_stopped = false;
    std::thread::id m_thread = std::this_thread::get_id();
    static thread_local EventLoop *t_current;
    std::recursive_mutex *m_turnLock = nullptr;
    bool m_pollsAsio = true;
    Mailbox m_mailbox{*this}; // last: it joins the set in its constructor
};

} // namespace longline::server::net
