#pragma once
// Whether a NAT gateway on the path most likely forgot a connection: it sat
// idle at least as long as the gateway's idle timeout, and nothing crossed
// the gateway often enough to keep its mapping. The window, the terminal
// client and the lab put this in words a student understands next to the
// technical verdict; the rule lives here once.

#include "livenesssettings.h"

#include <optional>

namespace longline {

struct NatDropCheck
{
    // Silence on the connection before the data that got no answer (a
    // message, a heartbeat PING), as this side saw it.
    Millis idle{0};
    // The idle timeout of the gateway on the path; 0 = unknown.
    Millis natTimeout{0};
    // What this side ran.
    LivenessSettings settings;
    // How often the peer pings a silent connection, when it does (the
    // server's WELCOME says).
    std::optional<Millis> peerHeartbeat;
};

// The longest a connection stays silent at the gateway while idle: the
// shortest of this side's keepalive idle, its heartbeat interval and the
// peer's heartbeat interval; nothing when none of them runs.
std::optional<Millis> keepWarmInterval(const LivenessSettings &settings,
                                       std::optional<Millis> peerHeartbeat);

// True when the gateway's timeout is known, the connection was idle at
// least that long, and no mechanism kept the mapping warm more often.
bool likelyNatDrop(const NatDropCheck &check);

} // namespace longline
