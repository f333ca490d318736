#pragma once
// What the settings panel edits: which liveness mechanisms run and the
// values of each, including the values of a mechanism that is switched off
// (so switching it back on restores them), plus the NAT idle timeout the
// user expects on their path. Also the named presets.

#include "livenesssettings.h"

#include <QList>
#include <QString>
#include <optional>

namespace longline::app {

// Which mechanisms detect a dead peer and keep NAT mappings fresh.
enum class LivenessMode
{
    None,      // nothing: a silent drop goes unnoticed
    Keepalive, // OS TCP keepalive only
    Heartbeat, // application PING/PONG only
    Both,      // keepalive and heartbeats
};

QString modeKey(LivenessMode mode); // "none", "keepalive", "heartbeat", "both" (settings files)
std::optional<LivenessMode> modeFromKey(const QString &key);

struct LivenessConfig
{
    LivenessMode mode = LivenessMode::Both;
    // The `enabled` flags inside are ignored; `mode` decides.
    KeepaliveOptions keepalive;
    // TCP_USER_TIMEOUT in ms, 0 = kernel default. Applies in every mode:
    // it bounds retransmissions even without keepalive.
    Millis userTimeout{0};
    HeartbeatOptions heartbeat;
    // The idle timeout of the NAT or load balancer on the path, in seconds;
    // 0 = unknown. Only used for warnings.
    int natTimeoutS = 0;

    bool keepaliveOn() const
    {
        return mode == LivenessMode::Keepalive || mode == LivenessMode::Both;
    }
    bool heartbeatOn() const
    {
        return mode == LivenessMode::Heartbeat || mode == LivenessMode::Both;
    }

    LivenessSettings toSettings() const;
    static LivenessConfig fromSettings(const LivenessSettings &settings, int natTimeoutS = 0);
    // Equal in what the connection would run with (values of a mechanism
    // that is off do not count), ignoring the NAT timeout.
    bool sameEffect(const LivenessConfig &other) const;
    bool operator==(const LivenessConfig &o) const;
    // This configuration with some mechanisms given on the command line:
    // a given keepalive or heartbeat switches that mechanism on with its
    // values (or off), the others stay as they were.
    LivenessConfig withOverrides(const std::optional<KeepaliveOptions> &keepaliveOverride,
                                 const std::optional<Millis> &userTimeoutOverride,
                                 const std::optional<HeartbeatOptions> &heartbeatOverride,
                                 const std::optional<int> &natTimeoutOverride) const;
    bool operator!=(const LivenessConfig &o) const { return !(*this == o); }
};

// The configuration used before the user chose anything: both mechanisms,
// keepalive as in the original write-up, a user timeout so unacknowledged
// data cannot hang for 15 minutes, heartbeats matching the server's default.
LivenessConfig defaultLivenessConfig();

struct LivenessPreset
{
    QString key;             // stable id for settings files
    const char *name;        // QT_TRANSLATE_NOOP("LivenessPreset", ...)
    const char *description; // QT_TRANSLATE_NOOP("LivenessPreset", ...)
    LivenessConfig config;   // natTimeoutS unused

    QString translatedName() const;
    QString translatedDescription() const;
};

const QList<LivenessPreset> &livenessPresets();
// The preset whose effect equals `config`, if any.
std::optional<LivenessPreset> matchingPreset(const LivenessConfig &config);

} // namespace longline::app
