#pragma once
// The one place that talks setsockopt/getsockopt for liveness: SO_KEEPALIVE,
// TCP_KEEPIDLE, TCP_KEEPINTVL, TCP_KEEPCNT and TCP_USER_TIMEOUT. Every call is
// checked, and what the kernel actually holds afterwards is read back.
//
// Apply to a connected socket: after connected() on a client, on each
// accepted socket on a server (Qt's KeepAliveOption only sets SO_KEEPALIVE).

#include "livenesssettings.h"

#include <QString>
#include <QStringList>
#include <QtGlobal>

namespace longline {

// What the kernel reports for one socket, read back with getsockopt.
struct EffectiveSocketOptions
{
    bool valid = false; // false when the socket could not be queried at all
    bool keepaliveOn = false;
    int idleS = 0;
    int intervalS = 0;
    int count = 0;
    int userTimeoutMs = 0;

    QString describe() const; // "keepalive 60,5,3 user-timeout 10000 ms"
};

struct SocketOptionsReport
{
    EffectiveSocketOptions effective;
    QStringList errors;    // one entry per failed call, with the errno text
    bool supported = true; // false on systems without these options
    bool ok() const { return errors.isEmpty(); }
    // True when the read-back values match what was asked for.
    bool matches(const KeepaliveOptions &keepalive, Millis userTimeout) const;
};

// Applies the keepalive options and user timeout; `userTimeout` 0 resets the
// kernel default. With keepalive off only SO_KEEPALIVE is cleared.
SocketOptionsReport applySocketOptions(qintptr fd, const KeepaliveOptions &keepalive,
                                       Millis userTimeout);
EffectiveSocketOptions readSocketOptions(qintptr fd, QStringList *errors = nullptr);

} // namespace longline
