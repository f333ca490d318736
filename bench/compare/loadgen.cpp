#include "loadgen.h"

#include <arpa/inet.h>
#include <cerrno>
#include <cstring>
#include <ctime>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#ifndef IP_BIND_ADDRESS_NO_PORT
#define IP_BIND_ADDRESS_NO_PORT 24
#endif

namespace longline::bench::compare {

namespace {

// Connections per 127.0.x.y source address: far below the ~28,000
// ephemeral ports one address has.
constexpr size_t ConnectionsPerSource = 1000;
constexpr size_t ScratchBytes = 64 * 1024;
constexpr int EventsPerWait = 1024;
constexpr int64_t KeepaliveScanNs = 1'000'000'000;

in_addr_t sourceAddress(size_t index)
{
    const size_t block = index / ConnectionsPerSource;
    // 127.0.1.1, 127.0.1.2, ... : loopback, never 127.0.0.1 itself.
    return htonl((127u << 24) | uint32_t((1 + block / 250) << 8) | uint32_t(1 + block % 250));
}

} // namespace

int64_t LoadGen::nowNs()
{
    timespec ts{};
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return int64_t(ts.tv_sec) * 1'000'000'000 + ts.tv_nsec;
}

LoadGen::LoadGen(const Dialect &dialect, uint16_t port)
    : m_dialect(dialect), m_port(port), m_epoll(epoll_create1(EPOLL_CLOEXEC)),
      m_scratch(ScratchBytes)
{
}

LoadGen::~LoadGen()
{
    closeAll();
    if (m_epoll >= 0)
        close(m_epoll);
}

size_t LoadGen::add(size_t count, char prefix)
{
    const size_t first = m_conns.size();
    m_conns.resize(first + count);
    m_prefixes.resize(first + count, prefix);
    m_inState[int(ConnState::Unopened)] += count;
    return first;
}

void LoadGen::setState(Conn &c, ConnState s)
{
    --m_inState[int(c.state)];
    ++m_inState[int(s)];
    c.state = s;
}

void LoadGen::fail(Conn &c, ConnState s, const std::string &why)
{
    if (c.fd >= 0)
        close(c.fd);
    c.fd = -1;
    if (c.pingSentNs) {
        c.pingSentNs = 0;
        --m_pingsInFlight;
    }
    c.pendingOut.clear();
    c.pendingOut.shrink_to_fit();
    if (!why.empty())
        m_lastFailure = why;
    setState(c, s);
}

void LoadGen::open(size_t index)
{
    Conn &c = m_conns[index];
    if (c.state != ConnState::Unopened)
        return;
    c.fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (c.fd < 0) {
        fail(c, ConnState::Failed, std::string("socket: ") + std::strerror(errno));
        return;
    }
    const int one = 1;
    setsockopt(c.fd, IPPROTO_IP, IP_BIND_ADDRESS_NO_PORT, &one, sizeof one);
    setsockopt(c.fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    sockaddr_in src{};
    src.sin_family = AF_INET;
    src.sin_addr.s_addr = sourceAddress(index);
    if (bind(c.fd, reinterpret_cast<sockaddr *>(&src), sizeof src) != 0) {
        fail(c, ConnState::Failed, std::string("bind: ") + std::strerror(errno));
        return;
    }
    sockaddr_in dst{};
    dst.sin_family = AF_INET;
    dst.sin_port = htons(m_port);
    dst.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (connect(c.fd, reinterpret_cast<sockaddr *>(&dst), sizeof dst) != 0 &&
        errno != EINPROGRESS) {
        fail(c, ConnState::Failed, std::string("connect: ") + std::strerror(errno));
        return;
    }
    epoll_event ev{};
    ev.events = EPOLLOUT;
    ev.data.u64 = index;
    epoll_ctl(m_epoll, EPOLL_CTL_ADD, c.fd, &ev);
    setState(c, ConnState::Connecting);
}

void LoadGen::poll(std::chrono::milliseconds timeout)
{
    epoll_event events[EventsPerWait];
    const int n = epoll_wait(m_epoll, events, EventsPerWait, int(timeout.count()));
    for (int i = 0; i < n; ++i) {
        const size_t index = size_t(events[i].data.u64);
        if (m_conns[index].fd < 0)
            continue;
        if (m_conns[index].state == ConnState::Connecting ||
            ((events[i].events & EPOLLOUT) && !(events[i].events & (EPOLLERR | EPOLLHUP))))
            onWritable(index);
        if (m_conns[index].fd >= 0 && m_conns[index].state != ConnState::Connecting &&
            (events[i].events & (EPOLLIN | EPOLLERR | EPOLLHUP)))
            onReadable(index);
    }
    if (m_dialect.clientKeepalive()) {
        const int64_t now = nowNs();
        if (now - m_lastKeepaliveScan >= KeepaliveScanNs) {
            m_lastKeepaliveScan = now;
            keepAlive(now);
        }
    }
}

void LoadGen::onWritable(size_t index)
{
    Conn &c = m_conns[index];
    if (c.state == ConnState::Connecting) {
        int err = 0;
        socklen_t len = sizeof err;
        getsockopt(c.fd, SOL_SOCKET, SO_ERROR, &err, &len);
        if (err != 0) {
            fail(c, ConnState::Failed, std::string("connect: ") + std::strerror(err));
            return;
        }
        epoll_event ev{};
        ev.events = EPOLLIN;
        ev.data.u64 = index;
        epoll_ctl(m_epoll, EPOLL_CTL_MOD, c.fd, &ev);
        if (m_dialect.registersOnConnect()) {
            c.registeredNs = nowNs();
            setState(c, ConnState::Ready);
            return;
        }
        setState(c, ConnState::Registering);
        const std::string name = m_prefixes[index] + std::to_string(index);
        send(index, m_dialect.registration(name));
        return;
    }
    flush(c);
}

bool LoadGen::flush(Conn &c)
{
    while (!c.pendingOut.empty()) {
        const ssize_t n = ::send(c.fd, c.pendingOut.data(), c.pendingOut.size(), MSG_NOSIGNAL);
        if (n < 0) {
            if (errno == EAGAIN || errno == EINTR)
                return true;
            fail(c, c.state == ConnState::Ready ? ConnState::Closed : ConnState::Failed,
                 std::string("send: ") + std::strerror(errno));
            return false;
        }
        c.pendingOut.erase(0, size_t(n));
    }
    epoll_event ev{};
    ev.events = EPOLLIN;
    ev.data.u64 = size_t(&c - m_conns.data());
    epoll_ctl(m_epoll, EPOLL_CTL_MOD, c.fd, &ev);
    return true;
}

bool LoadGen::send(size_t index, std::string_view bytes)
{
    Conn &c = m_conns[index];
    if (c.fd < 0)
        return false;
    c.lastSentNs = nowNs();
    if (!c.pendingOut.empty()) {
        c.pendingOut.append(bytes);
        return true;
    }
    const ssize_t n = ::send(c.fd, bytes.data(), bytes.size(), MSG_NOSIGNAL);
    if (n == ssize_t(bytes.size()))
        return true;
    if (n < 0 && errno != EAGAIN && errno != EINTR) {
        fail(c, c.state == ConnState::Ready ? ConnState::Closed : ConnState::Failed,
             std::string("send: ") + std::strerror(errno));
        return false;
    }
    c.pendingOut.assign(bytes.substr(n > 0 ? size_t(n) : 0));
    epoll_event ev{};
    ev.events = EPOLLIN | EPOLLOUT;
    ev.data.u64 = index;
    epoll_ctl(m_epoll, EPOLL_CTL_MOD, c.fd, &ev);
    return true;
}

bool LoadGen::ping(size_t index)
{
    Conn &c = m_conns[index];
    if (c.state != ConnState::Ready || c.pingSentNs != 0 || c.keepaliveInFlight)
        return false;
    if (!send(index, m_dialect.ping()))
        return false;
    c.pingSentNs = c.lastSentNs;
    ++m_pingsInFlight;
    return true;
}

void LoadGen::setReceiveTimestamps(bool on)
{
    m_receiveTimestamps = on;
    const int value = on ? 1 : 0;
    for (const Conn &c : m_conns)
        if (c.fd >= 0)
            (void)::setsockopt(c.fd, SOL_SOCKET, SO_TIMESTAMPNS, &value, sizeof value);
}

namespace {

// recv() that also returns when the kernel queued the last bytes read
// (SO_TIMESTAMPNS, on CLOCK_REALTIME), moved to CLOCK_MONOTONIC; 0 if the
// kernel gave no time.
ssize_t recvWithTime(int fd, char *buffer, size_t size, int64_t *kernelNs)
{
    iovec io{buffer, size};
    alignas(cmsghdr) char control[CMSG_SPACE(sizeof(timespec))];
    msghdr msg{};
    msg.msg_iov = &io;
    msg.msg_iovlen = 1;
    msg.msg_control = control;
    msg.msg_controllen = sizeof control;
    const ssize_t n = ::recvmsg(fd, &msg, 0);
    *kernelNs = 0;
    if (n <= 0)
        return n;
    for (cmsghdr *cm = CMSG_FIRSTHDR(&msg); cm; cm = CMSG_NXTHDR(&msg, cm)) {
        if (cm->cmsg_level != SOL_SOCKET || cm->cmsg_type != SCM_TIMESTAMPNS)
            continue;
        timespec queued{};
        std::memcpy(&queued, CMSG_DATA(cm), sizeof queued);
        timespec real{}, mono{};
        clock_gettime(CLOCK_REALTIME, &real);
        clock_gettime(CLOCK_MONOTONIC, &mono);
        const int64_t realNs = int64_t(real.tv_sec) * 1'000'000'000 + real.tv_nsec;
        const int64_t monoNs = int64_t(mono.tv_sec) * 1'000'000'000 + mono.tv_nsec;
        const int64_t queuedNs = int64_t(queued.tv_sec) * 1'000'000'000 + queued.tv_nsec;
        if (queuedNs > 0)
            *kernelNs = queuedNs - (realNs - monoNs);
    }
    return n;
}

} // namespace

void LoadGen::onReadable(size_t index)
{
    Conn &c = m_conns[index];
    int64_t kernelNs = 0;
    const ssize_t n = m_receiveTimestamps
                          ? recvWithTime(c.fd, m_scratch.data(), m_scratch.size(), &kernelNs)
                          : ::recv(c.fd, m_scratch.data(), m_scratch.size(), 0);
    if (n == 0 || (n < 0 && errno != EAGAIN && errno != EINTR)) {
        const bool wasReady = c.state == ConnState::Ready;
        if (wasReady)
            ++m_closedByServer;
        fail(c, wasReady ? ConnState::Closed : ConnState::Failed,
             n != 0                  ? std::string("recv: ") + std::strerror(errno)
             : m_lastFailure.empty() ? std::string("closed by the server")
                                     : std::string());
        return;
    }
    if (n < 0)
        return;
    const int64_t now = nowNs();
    m_events.clear();
    m_dialect.parse(c.parse, m_scratch.data(), size_t(n), c.state == ConnState::Ready, m_events);
    if (m_events.registered && c.state == ConnState::Registering) {
        c.registeredNs = now;
        setState(c, ConnState::Ready);
    }
    if (!m_events.errorLine.empty())
        m_lastFailure = "the server said: " + m_events.errorLine;
    if (m_events.refused && c.state == ConnState::Registering) {
        fail(c, ConnState::Refused, {});
        return;
    }
    for (int i = 0; i < m_events.pongs; ++i) {
        if (c.pingSentNs) {
            if (m_pingSink)
                m_pingSink->push_back(now - c.pingSentNs);
            c.pingSentNs = 0;
            --m_pingsInFlight;
        } else {
            c.keepaliveInFlight = false;
        }
    }
    if (c.messages == 0 && m_events.messages > 0)
        ++m_connsWithMessages;
    c.messages += uint32_t(m_events.messages);
    m_messages += uint64_t(m_events.messages);
    m_serverErrors += uint64_t(m_events.errors);
    if (m_ackSink)
        for (uint32_t cid : m_events.acks)
            m_ackSink(cid, now, kernelNs);
    if (!m_events.reply.empty())
        send(index, m_events.reply);
}

void LoadGen::keepAlive(int64_t now)
{
    // MQTT: a client that has sent nothing for the keep-alive sends PINGREQ.
    constexpr int64_t keepaliveNs = int64_t(MqttKeepaliveSeconds) * 1'000'000'000;
    for (size_t i = 0; i < m_conns.size(); ++i) {
        Conn &c = m_conns[i];
        if (c.state != ConnState::Ready || c.pingSentNs || c.keepaliveInFlight ||
            now - c.lastSentNs < keepaliveNs * 9 / 10)
            continue;
        if (send(i, m_dialect.ping()))
            c.keepaliveInFlight = true;
    }
}

void LoadGen::resetMessages()
{
    for (Conn &c : m_conns)
        c.messages = 0;
    m_messages = 0;
    m_connsWithMessages = 0;
}

void LoadGen::closeAll()
{
    for (Conn &c : m_conns) {
        if (c.fd >= 0) {
            close(c.fd);
            c.fd = -1;
        }
        if (c.pingSentNs) {
            c.pingSentNs = 0;
            --m_pingsInFlight;
        }
        if (c.state == ConnState::Ready || c.state == ConnState::Registering ||
            c.state == ConnState::Connecting)
            setState(c, ConnState::Closed);
    }
}

} // namespace longline::bench::compare
