#include "natdiagnosis.h"

#include <algorithm>

namespace longline {

std::optional<Millis> keepWarmInterval(const LivenessSettings &settings,
                                       std::optional<Millis> peerHeartbeat)
{
    std::optional<Millis> shortest = peerHeartbeat;
    auto consider = [&shortest](Millis interval) {
        shortest = shortest ? std::min(*shortest, interval) : interval;
    };
    if (settings.keepalive.enabled)
        consider(std::chrono::seconds(settings.keepalive.idleS));
    if (settings.heartbeat.enabled)
        consider(settings.heartbeat.interval);
    return shortest;
}

bool likelyNatDrop(const NatDropCheck &check)
{
    if (check.natTimeout <= Millis{0} || check.idle < check.natTimeout)
        return false;
    const std::optional<Millis> warm = keepWarmInterval(check.settings, check.peerHeartbeat);
    // A keep-warm that crosses the gateway before the mapping expires
    // keeps it, so the silence the gateway saw was shorter than `idle`.
    return !warm || *warm >= check.natTimeout;
}

} // namespace longline
