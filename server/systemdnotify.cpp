#include "systemdnotify.h"

#include <cerrno>
#include <cstring>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

namespace longline::server {

SystemdNotifier::SystemdNotifier() : SystemdNotifier(qEnvironmentVariable("NOTIFY_SOCKET")) {}

SystemdNotifier::SystemdNotifier(const QString &socketAddress) : m_address(socketAddress) {}

bool SystemdNotifier::notify(const QByteArray &assignments, QString *error) const
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
    const ssize_t sent =
        ::sendto(fd, assignments.constData(), static_cast<size_t>(assignments.size()), MSG_NOSIGNAL,
                 reinterpret_cast<const sockaddr *>(&addr), length);
    const int sendErrno = errno;
    ::close(fd);
    if (sent != assignments.size())
        return fail(QStringLiteral("cannot notify systemd at '%1': %2")
                        .arg(m_address, QString::fromLocal8Bit(std::strerror(sendErrno))));
    return true;
}

} // namespace longline::server
