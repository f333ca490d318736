#include "eventloop.h"

#include "heartbeatmonitor.h" // monotonicNow
#include "plainsyscalls.h"

#include <algorithm>
#include <cerrno>
#include <sys/eventfd.h>
#include <unistd.h>

namespace longline::server::net {

thread_local EventLoop *EventLoop::t_current = nullptr;

// --- timers ---------------------------------------------------------------

void EventLoop::Timer::start(Millis after, std::function<void()> fn)
{
    cancel();
    m_fn = std::move(fn);
    // At least 1 ms: a timer that restarts itself with 0 would otherwise
    // keep one firing pass going for ever.
    m_due = monotonicNow() + std::max(after, Millis{1});
    m_loop.arm(this);
}

void EventLoop::Timer::cancel()
{
    if (m_armed)
        m_loop.disarm(this);
    m_fn = nullptr;
}

void EventLoop::arm(Timer *timer)
{
    m_timers.emplace(timer->m_due, timer);
    timer->m_armed = true;
}

void EventLoop::disarm(Timer *timer)
{
    m_timers.erase({timer->m_due, timer});
    timer->m_armed = false;
}

bool EventLoop::fireTimers(Millis now)
{
    bool fired = false;
    while (!m_timers.empty() && m_timers.begin()->first <= now) {
        fired = true;
        Timer *timer = m_timers.begin()->second;
        m_timers.erase(m_timers.begin());
        timer->m_armed = false;
        // Moved out first: the call may restart or destroy the timer.
        const std::function<void()> fn = std::move(timer->m_fn);
        timer->m_fn = nullptr;
        if (fn)
            fn();
    }
    return fired;
}

// --- descriptors ----------------------------------------------------------

EventLoop::EventLoop(asio::io_context &asio)
    : m_asio(asio), m_epoll(::epoll_create1(EPOLL_CLOEXEC)),
      m_nextAsioPoll(monotonicNow() + AsioPollPeriod)
{
    if (m_epoll < 0)
        throw std::system_error(errno, std::system_category(), "epoll_create1");
}

EventLoop::~EventLoop()
{
    ::close(m_epoll);
}

std::error_code EventLoop::add(int fd, Watcher *watcher)
{
    epoll_event ev{};
    ev.events = EPOLLIN | EPOLLOUT | EPOLLRDHUP | EPOLLET;
    ev.data.ptr = watcher;
    if (::epoll_ctl(m_epoll, EPOLL_CTL_ADD, fd, &ev) != 0)
        return {errno, std::system_category()};
    ++m_watched;
    return {};
}

std::error_code EventLoop::addListener(int fd, Watcher *watcher)
{
    epoll_event ev{};
    ev.events = EPOLLIN;
    ev.data.ptr = watcher;
    if (::epoll_ctl(m_epoll, EPOLL_CTL_ADD, fd, &ev) != 0)
        return {errno, std::system_category()};
    ++m_watched;
    return {};
}

void EventLoop::remove(int fd, Watcher *watcher)
{
    if (::epoll_ctl(m_epoll, EPOLL_CTL_DEL, fd, nullptr) == 0)
        --m_watched;
    // Events of this wakeup not yet dispatched must not reach a watcher
    // that may be gone by then.
    for (int i = m_batchNext; i < m_batchSize; ++i)
        if (m_batch[static_cast<size_t>(i)].data.ptr == watcher)
            m_batch[static_cast<size_t>(i)].data.ptr = nullptr;
}

// --- calls from other threads ----------------------------------------------

EventLoop::Mailbox::Mailbox(EventLoop &loop)
    : m_loop(loop), m_fd(::eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC))
{
    if (m_loop.m_epoll < 0) { // the loop's constructor says so next; say it first
        const int error = errno;
        if (m_fd >= 0)
            ::close(m_fd);
        throw std::system_error(error, std::system_category(), "epoll_create1");
    }
    if (m_fd < 0)
        throw std::system_error(errno, std::system_category(), "eventfd");
    if (const std::error_code ec = m_loop.addListener(m_fd, this)) {
        ::close(m_fd);
        throw std::system_error(ec, "epoll_ctl(eventfd)");
    }
    --m_loop.m_watched; // not a client's: watched() counts sockets
}

EventLoop::Mailbox::~Mailbox()
{
    ::close(m_fd);
}

void EventLoop::Mailbox::post(std::function<void()> fn)
{
    bool wake = false;
    {
        const std::lock_guard<std::mutex> lock(m_mutex);
        wake = m_calls.empty();
        m_calls.push_back(std::move(fn));
    }
    // Only the first post of a batch writes: the loop takes the whole batch.
    if (wake) {
        const uint64_t one = 1;
        [[maybe_unused]] const ssize_t n = ::write(m_fd, &one, sizeof one);
    }
}

void EventLoop::Mailbox::onReady(uint32_t)
{
    uint64_t count = 0;
    [[maybe_unused]] const ssize_t n = ::read(m_fd, &count, sizeof count);
    std::vector<std::function<void()>> calls;
    {
        const std::lock_guard<std::mutex> lock(m_mutex);
        calls.swap(m_calls);
    }
    for (const std::function<void()> &fn : calls)
        fn();
}

void EventLoop::post(std::function<void()> fn)
{
    m_mailbox.post(std::move(fn));
}

void EventLoop::dispatch(int count)
{
    m_batchSize = count > 0 ? count : 0;
    for (m_batchNext = 0; m_batchNext < m_batchSize;) {
        const epoll_event ev = m_batch[static_cast<size_t>(m_batchNext++)];
        if (ev.data.ptr)
            static_cast<Watcher *>(ev.data.ptr)->onReady(ev.events);
    }
    m_batchSize = m_batchNext = 0;
}

// --- turning --------------------------------------------------------------

void EventLoop::runDeferred()
{
    // Only what was deferred before this pass: a call that defers itself
    // again (a reader with more to read, a batch with more to write) waits
    // for the next turn, after the events that came meanwhile.
    std::vector<std::function<void()>> calls;
    calls.swap(m_deferred);
    for (const std::function<void()> &fn : calls)
        fn();
}

void EventLoop::pollAsio(Millis now)
{
    m_nextAsioPoll = now + AsioPollPeriod;
    m_asio.restart(); // poll() stops the context when it runs out of work
    m_asio.poll();
}

void EventLoop::turn(Millis limit)
{
    if (m_stopped)
        return;
    // After a light turn (at most one ready descriptor, no timer, no
    // deferred call, no look at Asio: a PING's turn) the moment that turn
    // woke still stands for now, and a second clock read per PING is a
    // tenth of its user-space work. The wait then starts late by what that
    // one event took: microseconds for a PING, at most a listener's 64
    // accepts or one connection's MaxReadPerWakeup; a timer fires that
    // much late, never more, since every turn starts afresh.
    const Millis now = m_lightTurn ? m_wokeAt : monotonicNow();
    // How long the kernel may keep us: until the next timer, the next look
    // at Asio's work, `limit`; not at all when work is waiting.
    Millis wait = limit;
    auto atMost = [&wait](Millis w) {
        w = std::max(w, Millis{0});
        if (wait < Millis{0} || w < wait)
            wait = w;
    };
    if (!m_deferred.empty())
        atMost(Millis{0});
    if (!m_timers.empty())
        atMost(m_timers.begin()->first - now);
    // Always, held or not: Asio's timers (systemd's watchdog among them)
    // wake nothing in this set.
    if (m_pollsAsio)
        atMost(m_nextAsioPoll - now);
    const int timeoutMs = wait < Millis{0} ? -1 : static_cast<int>(wait.count());
    const int count = plainEpollWait(m_epoll, m_batch.data(), BatchSize, timeoutMs);
    // A signal interrupted the wait: Asio's handler for it is ready now.
    const bool interrupted = count < 0 && errno == EINTR;
    std::unique_lock<std::recursive_mutex> turnLock;
    if (m_turnLock)
        turnLock = std::unique_lock<std::recursive_mutex>(*m_turnLock);
    m_wokeAt = monotonicNow();
    m_inWakeup = true;
    dispatch(count);
    m_lightTurn = count <= 1 && m_deferred.empty();
    // Timers read the clock themselves (the wheel, the heartbeats): what runs
    // after them must not go by an earlier time.
    if (!m_timers.empty() && m_timers.begin()->first <= m_wokeAt && fireTimers(m_wokeAt)) {
        m_wokeAt = monotonicNow();
        m_lightTurn = false;
    }
    // Once per turn, after the wait: work that defers its rest (a batch of
    // writes, a wheel's worth of deadlines) lets every ready socket in
    // between.
    if (!m_deferred.empty())
        runDeferred();
    if (m_pollsAsio && (m_asioHolds > 0 || interrupted || m_wokeAt >= m_nextAsioPoll)) {
        m_wokeAt = monotonicNow(); // TLS reads, after all of the above
        pollAsio(m_wokeAt);
        m_lightTurn = false;
    }
    m_inWakeup = false;
}

void EventLoop::run()
{
    m_thread = std::this_thread::get_id();
    t_current = this;
    while (!m_stopped)
        turn(Millis{-1});
}

void EventLoop::runFor(Millis span)
{
    m_thread = std::this_thread::get_id();
    t_current = this;
    const Millis end = monotonicNow() + span;
    for (Millis now = monotonicNow(); !m_stopped && now < end; now = monotonicNow())
        turn(end - now);
}

} // namespace longline::server::net
