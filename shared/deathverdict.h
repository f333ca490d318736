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
    // From the moment the mechanism that fired could first have known to
    // the verdict: for heartbeats and keepalive the last sign of life from
    // the peer (a byte, or for the kernel also an ACK); for the user
    // timeout and retransmissions the first send that went unacknowledged.
    Millis detection{0};
    // What the settings imply for this cause; empty where none applies.
    std::optional<Millis> budget;
    QString detail; // e.g. Qt's error string

    // Timers fire a little late (their granularity, a loaded machine's
    // scheduling): a detection at most this far past its budget is on time.
    static constexpr Millis SchedulingTolerance{500};
    enum class Timeliness
    {
        NoBudget,     // no mechanism promised anything for this cause
        WithinBudget, // detection <= budget
        OnTime,       // past the budget by no more than SchedulingTolerance
        Late,         // later than that
    };
    Timeliness timeliness() const;

    bool isFailure() const { return cause != DeathCause::LocalClose; }
    // Silent deaths are the ones liveness mechanisms exist for.
    bool isTimeout() const;
    bool withinBudget(Millis margin = Millis{0}) const;

    static QString causeName(DeathCause cause); // "kernel keepalive timeout"
    static QString causeKey(DeathCause cause);  // "keepalive_timeout", stable for scripts
    // "kernel keepalive timeout after 2.98 s (budget 3.00 s)",
    // "... after 3.13 s (budget 3.00 s; 0.13 s over, within the 0.50 s
    // scheduling tolerance)", "... after 9.00 s (budget 3.00 s, exceeded)"
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
    // Since the data in flight at the error was first sent, when known
    // (the sending side tracks it; see ConnectionLiveness::noteSending).
    std::optional<Millis> sinceFirstUnacked;
};

DeathVerdict classifySocketError(const ErrorContext &context);

} // namespace longline
