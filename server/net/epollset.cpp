#include "epollset.h"

#include <cerrno>
#include <unistd.h>

namespace longline::server::net {

EpollSet::EpollSet(asio::io_context &io) : m_epoll(io, ::epoll_create1(EPOLL_CLOEXEC))
{
    wait();
}

EpollSet::~EpollSet()
{
    std::error_code ignored;
    m_epoll.close(ignored);
}

std::error_code EpollSet::add(int fd, Watcher *watcher)
{
    epoll_event ev{};
    ev.events = EPOLLIN | EPOLLOUT | EPOLLRDHUP | EPOLLET;
    ev.data.ptr = watcher;
    if (::epoll_ctl(m_epoll.native_handle(), EPOLL_CTL_ADD, fd, &ev) != 0)
        return {errno, std::system_category()};
    ++m_watched;
    return {};
}

void EpollSet::remove(int fd, Watcher *watcher)
{
    if (::epoll_ctl(m_epoll.native_handle(), EPOLL_CTL_DEL, fd, nullptr) == 0)
        --m_watched;
    // Events of this wakeup not yet dispatched must not reach a watcher
    // that may be gone by then.
    for (int i = m_batchNext; i < m_batchSize; ++i)
        if (m_batch[static_cast<size_t>(i)].data.ptr == watcher)
            m_batch[static_cast<size_t>(i)].data.ptr = nullptr;
}

void EpollSet::wait()
{
    m_epoll.async_wait(asio::posix::stream_descriptor::wait_read,
                       [this](const std::error_code &ec) {
                           if (ec == asio::error::operation_aborted)
                               return;
                           dispatch();
                           wait();
                       });
}

void EpollSet::dispatch()
{
    const int n = ::epoll_wait(m_epoll.native_handle(), m_batch.data(), BatchSize, 0);
    m_batchSize = n > 0 ? n : 0;
    for (m_batchNext = 0; m_batchNext < m_batchSize;) {
        const epoll_event ev = m_batch[static_cast<size_t>(m_batchNext++)];
        if (ev.data.ptr)
            static_cast<Watcher *>(ev.data.ptr)->onReady(ev.events);
    }
    m_batchSize = m_batchNext = 0;
}

} // namespace longline::server::net
