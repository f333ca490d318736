#pragma once
// Tells systemd how the service is doing (Type=notify): READY=1 once the
// server listens, STATUS= lines for `systemctl status`. Speaks the
// NOTIFY_SOCKET datagram protocol of sd_notify(3) directly, so the server
// needs no libsystemd; without NOTIFY_SOCKET (not under systemd) it is a
// no-op. Independent of the connection layer: main() calls it.

#include <QByteArray>
#include <QString>

namespace longline::server {

class SystemdNotifier
{
public:
    // Reads NOTIFY_SOCKET: a path, or "@name" for an abstract socket.
    SystemdNotifier();
    explicit SystemdNotifier(const QString &socketAddress);

    // True when there is a socket to notify.
    bool isActive() const { return !m_address.isEmpty(); }
    QString address() const { return m_address; }

    // Sends newline-separated assignments ("READY=1\nSTATUS=..."), one
    // datagram. True when sent or when inactive; false with *error.
    bool notify(const QByteArray &assignments, QString *error = nullptr) const;
    // The same with descriptors attached (SCM_RIGHTS), for FDSTORE=1: at
    // most MaxFdsPerMessage at a time.
    bool notifyWithFds(const QByteArray &assignments, const int *fds, int count,
                       QString *error = nullptr) const;
    // BARRIER=1: returns the read end of a pipe that hangs up once systemd
    // has processed every message sent before it, so a process about to
    // exit knows its FDSTORE messages were not lost with it. -1 with *error
    // when it cannot be sent. Inactive: a pipe that has hung up already.
    int sendBarrier(QString *error = nullptr) const;

    // The kernel's limit on descriptors in one message (SCM_MAX_FD), with room.
    static constexpr int MaxFdsPerMessage = 250;

private:
    QString m_address;
};

} // namespace longline::server
