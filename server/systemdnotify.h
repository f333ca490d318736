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

private:
    QString m_address;
};

} // namespace longline::server
