#include "systemdnotify.h"

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <sys/un.h>
#include <unistd.h>

namespace longline::server {

SystemdNotifier::SystemdNotifier() : SystemdNotifier(qEnvironmentVariable("NOTIFY_SOCKET")) {}

SystemdNotifier::SystemdNotifier(const QString &socketAddress) : m_address(socketAddress) {}

bool SystemdNotifier::notify(const QByteArray &assignments, QString *error) const
{
    return notifyWithFds(assignments, nullptr, 0, error);
}

int SystemdNotifier::sendBarrier(QString *error) const
{
    int pipeFds[2];
    if (::pipe2(pipeFds, O_CLOEXEC) != 0) {
        if (error)
            *error = QStringLiteral("pipe: %1").arg(QString::fromLocal8Bit(std::strerror(errno)));
        return -1;
    }
    // systemd closes its copy of the write end once it got here; ours goes now.
    const bool sent = notifyWithFds("BARRIER=1", &pipeFds[1], 1, error);
    ::close(pipeFds[1]);
    if (!sent) {
        ::close(pipeFds[0]);
        return -1;
    }
    return pipeFds[0];
}

bool SystemdNotifier::notifyWithFds(const QByteArray &assignments, const int *fds, int count,
                                    QString *error) const
{
    if (!isActive())
        return true;
    auto fail = [error](const QString &why) {
        if (error)
            *error = why;
        return false;
    };
    const QByteArray path = m_address.toLocal8Bit();
    sockaddr_un addr{};
    addr.sun_family = AF_UNIX;
    if (path.size() >= static_cast<int>(sizeof(addr.sun_path)) ||
        (path.at(0) != '/' && path.at(0) != '@'))
        return fail(QStringLiteral("NOTIFY_SOCKET '%1' is not a socket path").arg(m_address));
    std::memcpy(addr.sun_path, path.constData(), static_cast<size_t>(path.size()));
    // "@name" is Linux's abstract namespace: a leading NUL, no terminator.
    if (path.at(0) == '@')
        addr.sun_path[0] = '\0';
    const socklen_t length =
        static_cast<socklen_t>(offsetof(sockaddr_un, sun_path) + static_cast<size_t>(path.size()) +
                               (path.at(0) == '@' ? 0 : 1));

    const int fd = ::socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    if (fd < 0)
        return fail(QStringLiteral("socket: %1").arg(QString::fromLocal8Bit(std::strerror(errno))));
    iovec iov{const_cast<char *>(assignments.constData()), static_cast<size_t>(assignments.size())};
    msghdr msg{};
    msg.msg_name = &addr;
    msg.msg_namelen = length;
    msg.msg_iov = &iov;
    msg.msg_iovlen = 1;
    alignas(cmsghdr) char control[CMSG_SPACE(sizeof(int) * MaxFdsPerMessage)];
    if (count > 0) {
        const size_t bytes = sizeof(int) * static_cast<size_t>(std::min(count, MaxFdsPerMessage));
        std::memset(control, 0, sizeof(control));
        msg.msg_control = control;
        msg.msg_controllen = CMSG_SPACE(bytes);
        cmsghdr *cmsg = CMSG_FIRSTHDR(&msg);
        cmsg->cmsg_level = SOL_SOCKET;
        cmsg->cmsg_type = SCM_RIGHTS;
        cmsg->cmsg_len = CMSG_LEN(bytes);
        std::memcpy(CMSG_DATA(cmsg), fds, bytes);
    }
    ssize_t sent;
    do
        sent = ::sendmsg(fd, &msg, MSG_NOSIGNAL);
    while (sent < 0 && errno == EINTR);
    const int sendErrno = errno;
    ::close(fd);
    if (sent != assignments.size())
        return fail(QStringLiteral("cannot notify systemd at '%1': %2")
                        .arg(m_address, QString::fromLocal8Bit(std::strerror(sendErrno))));
    return true;
}

} // namespace longline::server
