#pragma once
// Why a connection ended, how long it took to notice and what the settings
// promised. Produced by ConnectionLiveness; shown by every front end.

#include "kernelsocketview.h"
#include "livenesssettings.h"

#include <QAbstractSocket>
#include <QString>
#include <optional>

namespace longline {

enum class DeathCause
{
    HeartbeatTimeout,  // no byte within heartbeat interval + timeout
    KeepaliveTimeout,  // the kernel's keepalive probes went unanswered
    UserTimeout,       // sent data stayed unacknowledged past TCP_USER_TIMEOUT
    RetransmitTimeout, // the kernel gave up retransmitting (tcp_retries2)
    ResetByPeer,       // RST received
    ClosedByPeer,      // FIN received: the peer closed cleanly
    LocalError,        // any other socket error on our side
    LocalClose,        // we closed on purpose (user quit, shutdown)
};

struct DeathVerdict
{
    DeathCause cause = DeathCause::LocalError;
    // From the last sign of life from the peer (a byte, or for the kernel
    // mechanisms also an ACK) to the verdict.
    Millis detection{0};
    // What the settings imply for this cause; empty where none applies.
    std::optional<Millis> budget;
    QString detail; // e.g. Qt's error string

    bool isFailure() const { return cause != DeathCause::LocalClose; }
    // Silent deaths are the ones liveness mechanisms exist for.
    bool isTimeout() const;
    bool withinBudget(Millis margin = Millis{0}) const;

    static QString causeName(DeathCause cause); // "kernel keepalive timeout"
    static QString causeKey(DeathCause cause);  // "keepalive_timeout", stable for scripts
    // "kernel keepalive timeout after 3.02 s (budget 3.00 s)"
    QString describe() const;
};

// What the liveness layer knew when the socket reported an error.
struct ErrorContext
{
    QAbstractSocket::SocketError error = QAbstractSocket::UnknownSocketError;
    QString errorString;
    LivenessSettings settings;
    std::optional<KernelSocketView> lastSample; // latest periodic sample before the error
    std::optional<int> tcpStateNow; // TCP_INFO state read at error time, if the fd was open
    Millis sinceLastHeard{0};
};

DeathVerdict classifySocketError(const ErrorContext &context);

} // namespace longline
