#include "handover.h"

#include <QDataStream>
#include <QFile>
#include <QIODevice>
#include <algorithm>
#include <arpa/inet.h>
#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>
#include <utility>

namespace longline::server::net {

namespace {

// "LLHO" and a version: a next process of another format refuses the state
// (and its clients get a clean close) rather than misreading it.
constexpr quint32 Magic = 0x4c4c484f;
// Version 2 added the end of a HISTORY answer in progress; a version 1
// state (from the release before) is still read.
constexpr quint32 FormatVersion = 2;
constexpr quint32 OldestFormatVersion = 1;
// sd_listen_fds(3): passed descriptors start at 3.
constexpr int ListenFdsStart = 3;

QDataStream &operator<<(QDataStream &out, Millis m)
{
    return out << static_cast<qint64>(m.count());
}

QDataStream &operator>>(QDataStream &in, Millis &m)
{
    qint64 v = 0;
    in >> v;
    m = Millis{v};
    return in;
}

QByteArray endpointText(const sockaddr_storage &address)
{
    char text[INET6_ADDRSTRLEN] = {};
    quint16 port = 0;
    if (address.ss_family == AF_INET) {
        const auto *a = reinterpret_cast<const sockaddr_in *>(&address);
        ::inet_ntop(AF_INET, &a->sin_addr, text, sizeof(text));
        port = ntohs(a->sin_port);
    } else if (address.ss_family == AF_INET6) {
        const auto *a = reinterpret_cast<const sockaddr_in6 *>(&address);
        ::inet_ntop(AF_INET6, &a->sin6_addr, text, sizeof(text));
        port = ntohs(a->sin6_port);
    } else {
        return {};
    }
    return QByteArray(text) + '/' + QByteArray::number(port);
}

} // namespace

QByteArray serializeHandover(const HandoverState &state)
{
    QByteArray bytes;
    QDataStream out(&bytes, QIODevice::WriteOnly);
    out.setVersion(QDataStream::Qt_6_4);
    out << Magic << FormatVersion << state.listen << state.nextId
        << static_cast<quint32>(state.connections.size());
    for (const HandedConnection &c : state.connections) {
        out << c.socketKey << c.id << c.registered << c.nick << c.nickKey << c.sessionKey
            << c.passwordAccepted << c.presenceAnnounced << c.probe << c.startedAt << c.registerBy
            << c.lineDeadline << c.probeDue << c.probeAnswered << c.probeToken << c.unfinished.bytes
            << c.unfinished.discarding << static_cast<qint64>(c.unfinished.discarded)
            << c.heartbeat.lastReceived << c.heartbeat.lastPingSent
            << c.heartbeat.pingSentSinceReceive << c.heartbeat.nextToken
            << static_cast<quint32>(c.heartbeat.inFlight.size());
        for (const auto &[token, sentAt] : c.heartbeat.inFlight)
            out << token << sentAt;
        out << c.lastRttMs << c.unsentOutput << c.historyActive << c.historySince
            << static_cast<qint32>(c.historyRemaining) << c.historyUpTo;
    }
    return bytes;
}

std::optional<HandoverState> parseHandover(const QByteArray &bytes, QString *error)
{
    QDataStream in(bytes);
    in.setVersion(QDataStream::Qt_6_4);
    quint32 magic = 0, version = 0, count = 0;
    HandoverState state;
    in >> magic >> version;
    if (magic != Magic || version < OldestFormatVersion || version > FormatVersion) {
        if (error)
            *error = QStringLiteral("not a hand-over of format %1 to %2")
                         .arg(OldestFormatVersion)
                         .arg(FormatVersion);
        return std::nullopt;
    }
    in >> state.listen >> state.nextId >> count;
    // Each record is far larger than a byte: a count beyond the size is a lie.
    if (in.status() != QDataStream::Ok || count > static_cast<quint32>(bytes.size())) {
        if (error)
            *error = QStringLiteral("the hand-over's header is damaged");
        return std::nullopt;
    }
    state.connections.reserve(std::min<quint32>(count, static_cast<quint32>(bytes.size() / 64)));
    for (quint32 i = 0; i < count && in.status() == QDataStream::Ok; ++i) {
        HandedConnection c;
        qint64 discarded = 0;
        quint32 inFlight = 0;
        in >> c.socketKey >> c.id >> c.registered >> c.nick >> c.nickKey >> c.sessionKey >>
            c.passwordAccepted >> c.presenceAnnounced >> c.probe >> c.startedAt >> c.registerBy >>
            c.lineDeadline >> c.probeDue >> c.probeAnswered >> c.probeToken >> c.unfinished.bytes >>
            c.unfinished.discarding >> discarded >> c.heartbeat.lastReceived >>
            c.heartbeat.lastPingSent >> c.heartbeat.pingSentSinceReceive >> c.heartbeat.nextToken >>
            inFlight;
        c.unfinished.discarded = static_cast<qsizetype>(discarded);
        for (quint32 k = 0; k < inFlight && k < HeartbeatMonitor::MaxInFlight; ++k) {
            quint64 token = 0;
            Millis sentAt{0};
            in >> token >> sentAt;
            c.heartbeat.inFlight.emplace_back(token, sentAt);
        }
        qint32 remaining = 0;
        in >> c.lastRttMs >> c.unsentOutput >> c.historyActive >> c.historySince >> remaining;
        if (version >= 2)
            in >> c.historyUpTo;
        c.historyRemaining = remaining;
        if (remaining < 0 || c.historySince < 0 || c.historyUpTo < 0 || c.lastRttMs < -1 ||
            c.id == 0)
            in.setStatus(QDataStream::ReadCorruptData);
        if (inFlight > HeartbeatMonitor::MaxInFlight)
            in.setStatus(QDataStream::ReadCorruptData);
        state.connections.push_back(std::move(c));
    }
    if (in.status() != QDataStream::Ok) {
        if (error)
            *error = QStringLiteral("the hand-over is truncated or damaged");
        return std::nullopt;
    }
    return state;
}

QByteArray socketKey(int fd)
{
    sockaddr_storage local{}, peer{};
    socklen_t localLength = sizeof(local), peerLength = sizeof(peer);
    if (::getsockname(fd, reinterpret_cast<sockaddr *>(&local), &localLength) != 0 ||
        ::getpeername(fd, reinterpret_cast<sockaddr *>(&peer), &peerLength) != 0)
        return {};
    const QByteArray l = endpointText(local), p = endpointText(peer);
    if (l.isEmpty() || p.isEmpty())
        return {};
    return l + '>' + p;
}

int memfdWith(const QByteArray &bytes, QString *error)
{
    const int fd = ::memfd_create("longline-handover", MFD_CLOEXEC);
    if (fd < 0) {
        if (error)
            *error = QStringLiteral("memfd_create: %1")
                         .arg(QString::fromLocal8Bit(std::strerror(errno)));
        return -1;
    }
    qsizetype done = 0;
    while (done < bytes.size()) {
        const ssize_t n =
            ::write(fd, bytes.constData() + done, static_cast<size_t>(bytes.size() - done));
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0) {
            if (error)
                *error = QStringLiteral("writing the hand-over: %1")
                             .arg(QString::fromLocal8Bit(std::strerror(errno)));
            ::close(fd);
            return -1;
        }
        done += n;
    }
    return fd;
}

QByteArray readWholeFile(int fd, QString *error)
{
    QByteArray bytes;
    char buffer[64 * 1024];
    off_t offset = 0;
    for (;;) {
        const ssize_t n = ::pread(fd, buffer, sizeof(buffer), offset);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0) {
            if (error)
                *error = QStringLiteral("reading the hand-over: %1")
                             .arg(QString::fromLocal8Bit(std::strerror(errno)));
            return {};
        }
        if (n == 0)
            return bytes;
        bytes.append(buffer, n);
        offset += n;
    }
}

InheritedDescriptors InheritedDescriptors::take()
{
    InheritedDescriptors d;
    const QByteArray pid = qgetenv("LISTEN_PID");
    const QByteArray count = qgetenv("LISTEN_FDS");
    const QList<QByteArray> names = qgetenv("LISTEN_FDNAMES").split(':');
    qunsetenv("LISTEN_PID");
    qunsetenv("LISTEN_FDS");
    qunsetenv("LISTEN_FDNAMES");
    bool ok = false;
    if (pid.isEmpty() || pid.toLongLong(&ok) != ::getpid() || !ok)
        return d;
    const int n = count.toInt(&ok);
    if (!ok || n <= 0)
        return d;
    for (int i = 0; i < n; ++i) {
        const int fd = ListenFdsStart + i;
        ::fcntl(fd, F_SETFD, FD_CLOEXEC);
        d.add(i < names.size() ? names.at(i) : QByteArray(), fd);
    }
    return d;
}

void InheritedDescriptors::add(const QByteArray &name, int fd)
{
    if (name == HandoverNames::Listener && listener < 0)
        listener = fd;
    else if (name == HandoverNames::State && state < 0)
        state = fd;
    else if (name == HandoverNames::Client)
        clients.push_back(fd);
    else
        unknown.push_back(fd);
}

void InheritedDescriptors::closeAll()
{
    for (int *fd : {&listener, &state})
        if (*fd >= 0)
            ::close(std::exchange(*fd, -1));
    for (auto *list : {&clients, &unknown}) {
        for (const int fd : *list)
            ::close(fd);
        list->clear();
    }
}

HandoverReceiver::~HandoverReceiver()
{
    if (m_fd >= 0) {
        ::close(m_fd);
        ::unlink(QFile::encodeName(m_path).constData());
    }
}

bool HandoverReceiver::open(const QString &path, QString *error)
{
    const QByteArray name = QFile::encodeName(path);
    sockaddr_un addr{};
    addr.sun_family = AF_UNIX;
    if (name.isEmpty() || name.size() >= static_cast<int>(sizeof(addr.sun_path))) {
        if (error)
            *error = QStringLiteral("'%1' is too long for a socket path").arg(path);
        return false;
    }
    std::memcpy(addr.sun_path, name.constData(), static_cast<size_t>(name.size()));
    m_fd = ::socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    ::unlink(name.constData());
    if (m_fd < 0 || ::bind(m_fd, reinterpret_cast<const sockaddr *>(&addr), sizeof(addr)) != 0) {
        if (error)
            *error = QStringLiteral("cannot open %1: %2")
                         .arg(path, QString::fromLocal8Bit(std::strerror(errno)));
        return false;
    }
    // The same owner only, like the admin socket that asked for it.
    ::chmod(name.constData(), 0600);
    m_path = path;
    return true;
}

bool HandoverReceiver::receive(int timeoutMs, InheritedDescriptors *into, QString *error,
                               const std::atomic<bool> *abandon)
{
    constexpr int SliceMs = 100; // how often `abandon` is looked at
    char text[4096];
    alignas(cmsghdr) char control[CMSG_SPACE(sizeof(int) * 253)];
    int waited = 0;
    for (;;) {
        if (abandon && *abandon) {
            if (error)
                *error = QStringLiteral("abandoned");
            return false;
        }
        pollfd p{m_fd, POLLIN, 0};
        const int ready = ::poll(&p, 1, SliceMs);
        if (ready < 0 && errno == EINTR)
            continue;
        if (ready == 0 && (waited += SliceMs) < timeoutMs)
            continue;
        if (ready <= 0) {
            if (error)
                *error = QStringLiteral("the running server sent nothing for %1 ms").arg(timeoutMs);
            return false;
        }
        waited = 0;
        iovec iov{text, sizeof(text) - 1};
        msghdr msg{};
        msg.msg_iov = &iov;
        msg.msg_iovlen = 1;
        msg.msg_control = control;
        msg.msg_controllen = sizeof(control);
        const ssize_t n = ::recvmsg(m_fd, &msg, MSG_CMSG_CLOEXEC);
        if (n < 0) {
            if (errno == EINTR)
                continue;
            if (error)
                *error =
                    QStringLiteral("recvmsg: %1").arg(QString::fromLocal8Bit(std::strerror(errno)));
            return false;
        }
        if (msg.msg_flags & MSG_CTRUNC) {
            // Descriptors beyond this process's limit were dropped by the
            // kernel: their clients would vanish without a word.
            if (error)
                *error = QStringLiteral("descriptors were lost in transit (raise LimitNOFILE or "
                                        "ulimit -n)");
            return false;
        }
        std::vector<int> fds;
        for (cmsghdr *c = CMSG_FIRSTHDR(&msg); c; c = CMSG_NXTHDR(&msg, c)) {
            if (c->cmsg_level != SOL_SOCKET || c->cmsg_type != SCM_RIGHTS)
                continue;
            const size_t count = (c->cmsg_len - CMSG_LEN(0)) / sizeof(int);
            const int *data = reinterpret_cast<const int *>(CMSG_DATA(c));
            fds.insert(fds.end(), data, data + count);
        }
        QByteArray name;
        bool store = false, barrier = false;
        for (const QByteArray &line : QByteArray(text, static_cast<qsizetype>(n)).split('\n')) {
            if (line == "FDSTORE=1")
                store = true;
            else if (line == "BARRIER=1")
                barrier = true;
            else if (line.startsWith("FDNAME="))
                name = line.mid(7);
        }
        if (barrier) {
            // The sender waits for this: a byte says "all taken", the close
            // that the pipe is done with.
            for (const int fd : fds) {
                const char taken = 1;
                (void)!::write(fd, &taken, 1);
                ::close(fd);
            }
            return true;
        }
        for (const int fd : fds) {
            if (store)
                into->add(name, fd);
            else
                ::close(fd);
        }
    }
}

} // namespace longline::server::net
