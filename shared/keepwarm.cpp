#include "keepwarm.h"

#include <algorithm>
#include <chrono>

namespace longline {

namespace {

constexpr double SecondsPerHour = 3600.0;

double perHour(Millis interval)
{
    return SecondsPerHour * 1000.0 / static_cast<double>(std::max<qint64>(interval.count(), 1));
}

// A typical heartbeat token ("h" and a counter).
constexpr int TypicalPingLineBytes = 10; // "PING h123\n"

} // namespace

Millis safeKeepWarmInterval(Millis survived)
{
    const auto interval = Millis{static_cast<qint64>(survived.count() * SafeKeepWarmFraction)};
    return std::max(interval, MinKeepWarmInterval);
}

KeepWarmMechanism keepWarmMechanism(const LivenessSettings &settings)
{
    if (settings.heartbeat.enabled)
        return KeepWarmMechanism::Heartbeat;
    if (settings.keepalive.enabled)
        return KeepWarmMechanism::Keepalive;
    return KeepWarmMechanism::Heartbeat;
}

LivenessSettings withKeepWarmInterval(const LivenessSettings &settings, Millis interval)
{
    LivenessSettings result = settings;
    interval = std::max(interval, MinKeepWarmInterval);
    if (keepWarmMechanism(settings) == KeepWarmMechanism::Keepalive) {
        result.keepalive.idleS =
            static_cast<int>(std::clamp<qint64>(interval.count() / 1000, 1, 32767));
        return result;
    }
    result.heartbeat.enabled = true;
    // Whole tenths of a second: what the settings panel and the flags show.
    result.heartbeat.interval = Millis{interval.count() / 100 * 100};
    return result;
}

IdleTraffic keepaliveIdleTraffic(Millis idle)
{
    const double rate = perHour(idle);
    return {2 * rate, 2 * SegmentOverheadBytes * rate};
}

IdleTraffic heartbeatIdleTraffic(Millis interval, bool tls)
{
    const double rate = perHour(interval);
    const int payload = TypicalPingLineBytes + (tls ? TlsRecordOverheadBytes : 0);
    const double bytes = 2.0 * (SegmentOverheadBytes + payload) + SegmentOverheadBytes;
    return {3 * rate, bytes * rate};
}

IdleTraffic idleTraffic(const LivenessSettings &settings, bool tls)
{
    const bool ka = settings.keepalive.enabled;
    const bool hb = settings.heartbeat.enabled;
    if (!ka && !hb)
        return {};
    const Millis kaIdle = std::chrono::seconds(settings.keepalive.idleS);
    if (!hb)
        return keepaliveIdleTraffic(kaIdle);
    const IdleTraffic beats = heartbeatIdleTraffic(settings.heartbeat.interval, tls);
    // A PONG resets the kernel's idle timer, so keepalive only adds probes
    // when its idle is the shorter; the kernel's ACKs never reach the
    // heartbeat, which keeps its own pace.
    if (!ka || kaIdle >= settings.heartbeat.interval)
        return beats;
    const IdleTraffic probes = keepaliveIdleTraffic(kaIdle);
    return {beats.packetsPerHour + probes.packetsPerHour, beats.bytesPerHour + probes.bytesPerHour};
}

} // namespace longline
