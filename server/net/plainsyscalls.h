#pragma once
// recv, send and epoll_wait straight to the kernel, without glibc's
// cancellation bracket. In a process with more than one thread (the
// storage thread makes two) glibc's wrappers for these cancellation points
// switch asynchronous cancellation on before the system call and off after
// it: two atomic operations per call, three calls per PING, measured at
// about 2 % of the server's CPU per PING (perf). No thread of this server
// is ever cancelled, so that work buys nothing. Linux only, as the event
// loop is.

#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <csignal>

namespace longline::server::net {

inline ssize_t plainRecv(int fd, void *buffer, size_t size, int flags)
{
    return ::syscall(SYS_recvfrom, fd, buffer, size, flags, nullptr, nullptr);
}

inline ssize_t plainSend(int fd, const void *data, size_t size, int flags)
{
    return ::syscall(SYS_sendto, fd, data, size, flags, nullptr, 0);
}

// epoll_pwait with no signal mask is epoll_wait, on every architecture
// (some have no epoll_wait system call).
inline int plainEpollWait(int epoll, epoll_event *events, int maxEvents, int timeoutMs)
{
    return static_cast<int>(
        ::syscall(SYS_epoll_pwait, epoll, events, maxEvents, timeoutMs, nullptr, _NSIG / 8));
}

} // namespace longline::server::net
