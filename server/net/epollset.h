#pragma once
// The event loop's own epoll set for plain-TCP connections, nested in
// Asio's: Asio watches this set's one descriptor, and a wakeup hands every
// ready connection its events.
//
// Why not Asio's socket waits: Asio keeps, for every socket, a reactor
// entry (168 bytes) and, for every pending wait, an operation object (224
// bytes), and re-registers the descriptor with epoll_ctl on every wait. An
// idle connection would cost ~400 bytes and every PING one extra syscall.
// Here a connection is registered once, edge-triggered for input and
// output, when it starts, and removed when it closes: idle, it costs the
// kernel's entry and nothing in this process.

#include <array>
#include <asio/io_context.hpp>
#include <asio/posix/stream_descriptor.hpp>
#include <cstdint>
#include <sys/epoll.h>
#include <system_error>

namespace longline::server::net {

class EpollSet
{
public:
    class Watcher
    {
    public:
        // `events`: EPOLLIN, EPOLLOUT, EPOLLRDHUP, EPOLLHUP, EPOLLERR as the
        // kernel reported them. Edge-triggered: read and write until EAGAIN
        // (or a short read), or nothing wakes the watcher again.
        virtual void onReady(uint32_t events) = 0;

    protected:
        ~Watcher() = default;
    };

    explicit EpollSet(asio::io_context &io);
    ~EpollSet();
    EpollSet(const EpollSet &) = delete;
    EpollSet &operator=(const EpollSet &) = delete;

    std::error_code add(int fd, Watcher *watcher);
    // Before the descriptor is closed or handed on (a descriptor shared
    // with another process would otherwise stay in the set). The watcher
    // gets no more events, not even ones already fetched in this wakeup.
    void remove(int fd, Watcher *watcher);
    int watched() const { return m_watched; }

private:
    void wait();
    void dispatch();

    // Events fetched per wakeup; more stay ready for the next one.
    static constexpr int BatchSize = 256;

    asio::posix::stream_descriptor m_epoll;
    std::array<epoll_event, BatchSize> m_batch{};
    int m_batchSize = 0;
    int m_batchNext = 0; // index of the next event to dispatch
    int m_watched = 0;
};

} // namespace longline::server::net
