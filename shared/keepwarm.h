#pragma once
// Keeping a gateway's mapping warm: the interval a measured idle timeout
// allows, and what each mechanism costs while the chat is idle. The window's
// "Measure this path", the terminal client and adaptive mode all use these
// numbers, so the rule and the arithmetic live here once.

#include "livenesssettings.h"

namespace longline {

// The keep-warm interval is this fraction of the longest idle time a mapping
// was seen to survive: room for the measurement's resolution, timer slack
// and a gateway that counts from a slightly earlier packet than we do.
inline constexpr double SafeKeepWarmFraction = 0.75;
// Never keep warm more often than this, whatever was measured (the lab and
// the tests use gateways that forget within a second).
inline constexpr Millis MinKeepWarmInterval{200};

Millis safeKeepWarmInterval(Millis survived);

// Which mechanism a keep-warm interval is applied to.
enum class KeepWarmMechanism
{
    Keepalive, // the kernel's keepalive idle (whole seconds)
    Heartbeat, // the application heartbeat interval
};

// The mechanism that keeps `settings` warm: heartbeats when they run, else
// keepalive when it runs, else heartbeats (which adaptive mode switches on).
KeepWarmMechanism keepWarmMechanism(const LivenessSettings &settings);

// `settings` with its keep-warm mechanism set to `interval` (rounded down to
// whole seconds, at least 1, for keepalive) and switched on.
LivenessSettings withKeepWarmInterval(const LivenessSettings &settings, Millis interval);

// Traffic a connection sends and receives while idle, only to stay warm.
struct IdleTraffic
{
    double packetsPerHour = 0;
    double bytesPerHour = 0; // IP packets as they cross the gateway
};

// Per segment on the wire: IPv4 (20) + TCP (20) + the timestamp option (12).
inline constexpr int SegmentOverheadBytes = 52;
// A TLS 1.3 record adds a 5-byte header, a 1-byte content type and a 16-byte tag.
inline constexpr int TlsRecordOverheadBytes = 22;

// A keepalive probe after each `idle` of silence: the probe and its ACK.
IdleTraffic keepaliveIdleTraffic(Millis idle);
// A PING after each `interval` of silence: PING, the PONG (which carries the
// ACK) and the ACK of the PONG.
IdleTraffic heartbeatIdleTraffic(Millis interval, bool tls);
// What `settings` send while idle. A PONG resets the kernel's keepalive idle,
// but a keepalive ACK never reaches the heartbeat: with both on, keepalive
// adds its probes only when its idle is the shorter.
IdleTraffic idleTraffic(const LivenessSettings &settings, bool tls);

} // namespace longline
