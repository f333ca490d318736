#include "livenessconfig.h"

#include <QCoreApplication>

namespace longline::app {

using namespace std::chrono_literals;

QString modeKey(LivenessMode mode)
{
    switch (mode) {
    case LivenessMode::None:
        return QStringLiteral("none");
    case LivenessMode::Keepalive:
        return QStringLiteral("keepalive");
    case LivenessMode::Heartbeat:
        return QStringLiteral("heartbeat");
    case LivenessMode::Both:
        return QStringLiteral("both");
    }
    return QStringLiteral("both");
}

std::optional<LivenessMode> modeFromKey(const QString &key)
{
    for (auto m : {LivenessMode::None, LivenessMode::Keepalive, LivenessMode::Heartbeat,
                   LivenessMode::Both}) {
        if (modeKey(m) == key)
            return m;
    }
    return std::nullopt;
}

LivenessSettings LivenessConfig::toSettings() const
{
    LivenessSettings s;
    s.keepalive = keepalive;
    s.keepalive.enabled = keepaliveOn();
    s.userTimeout = userTimeout;
    s.heartbeat = heartbeat;
    s.heartbeat.enabled = heartbeatOn();
    return s;
}

LivenessConfig
LivenessConfig::withOverrides(const std::optional<KeepaliveOptions> &keepaliveOverride,
                              const std::optional<Millis> &userTimeoutOverride,
                              const std::optional<HeartbeatOptions> &heartbeatOverride,
                              const std::optional<int> &natTimeoutOverride) const
{
    LivenessConfig c = *this;
    bool keepalive = keepaliveOn();
    bool heartbeat = heartbeatOn();
    if (keepaliveOverride) {
        keepalive = keepaliveOverride->enabled;
        if (keepalive)
            c.keepalive = *keepaliveOverride;
    }
    if (heartbeatOverride) {
        heartbeat = heartbeatOverride->enabled;
        if (heartbeat)
            c.heartbeat = *heartbeatOverride;
    }
    c.mode = keepalive && heartbeat ? LivenessMode::Both
             : keepalive            ? LivenessMode::Keepalive
             : heartbeat            ? LivenessMode::Heartbeat
                                    : LivenessMode::None;
    if (userTimeoutOverride)
        c.userTimeout = *userTimeoutOverride;
    if (natTimeoutOverride)
        c.natTimeoutS = *natTimeoutOverride;
    return c;
}

LivenessConfig LivenessConfig::fromSettings(const LivenessSettings &settings, int natTimeoutS)
{
    LivenessConfig c;
    const bool ka = settings.keepalive.enabled;
    const bool hb = settings.heartbeat.enabled;
    c.mode = ka && hb ? LivenessMode::Both
             : ka     ? LivenessMode::Keepalive
             : hb     ? LivenessMode::Heartbeat
                      : LivenessMode::None;
    c.keepalive = settings.keepalive;
    c.userTimeout = settings.userTimeout;
    c.heartbeat = settings.heartbeat;
    c.natTimeoutS = natTimeoutS;
    return c;
}

bool LivenessConfig::sameEffect(const LivenessConfig &o) const
{
    if (mode != o.mode || userTimeout != o.userTimeout)
        return false;
    const bool keepaliveSame = keepalive.idleS == o.keepalive.idleS &&
                               keepalive.intervalS == o.keepalive.intervalS &&
                               keepalive.count == o.keepalive.count;
    const bool heartbeatSame =
        heartbeat.interval == o.heartbeat.interval && heartbeat.timeout == o.heartbeat.timeout;
    return (!keepaliveOn() || keepaliveSame) && (!heartbeatOn() || heartbeatSame);
}

bool LivenessConfig::operator==(const LivenessConfig &o) const
{
    return mode == o.mode && userTimeout == o.userTimeout && natTimeoutS == o.natTimeoutS &&
           keepalive.idleS == o.keepalive.idleS && keepalive.intervalS == o.keepalive.intervalS &&
           keepalive.count == o.keepalive.count && heartbeat.interval == o.heartbeat.interval &&
           heartbeat.timeout == o.heartbeat.timeout;
}

namespace {

LivenessConfig makeConfig(LivenessMode mode, int idle, int intvl, int count, Millis userTimeout,
                          Millis hbInterval, Millis hbTimeout)
{
    LivenessConfig c;
    c.mode = mode;
    c.keepalive.idleS = idle;
    c.keepalive.intervalS = intvl;
    c.keepalive.count = count;
    c.userTimeout = userTimeout;
    c.heartbeat.interval = hbInterval;
    c.heartbeat.timeout = hbTimeout;
    return c;
}

} // namespace

LivenessConfig defaultLivenessConfig()
{
    return makeConfig(LivenessMode::Both, 60, 5, 3, 30s, 15s, 10s);
}

QString LivenessPreset::translatedName() const
{
    return QCoreApplication::translate("LivenessPreset", name);
}

QString LivenessPreset::translatedDescription() const
{
    return QCoreApplication::translate("LivenessPreset", description);
}

const QList<LivenessPreset> &livenessPresets()
{
    // Heartbeat values of keepalive-only presets are what the panel shows
    // when the user switches heartbeats on afterwards.
    static const QList<LivenessPreset> presets{
        {QStringLiteral("longline"), QT_TRANSLATE_NOOP("LivenessPreset", "Longline default"),
         QT_TRANSLATE_NOOP("LivenessPreset",
                           "Keepalive 60/5/3 with a 30 s user timeout, heartbeats 15 s + 10 s"),
         defaultLivenessConfig()},
        {QStringLiteral("linux"), QT_TRANSLATE_NOOP("LivenessPreset", "Linux defaults"),
         QT_TRANSLATE_NOOP("LivenessPreset",
                           "Kernel keepalive defaults 7200/75/9: over two hours to notice"),
         makeConfig(LivenessMode::Keepalive, 7200, 75, 9, 0ms, 15s, 10s)},
        {QStringLiteral("writeup"), QT_TRANSLATE_NOOP("LivenessPreset", "Original write-up"),
         QT_TRANSLATE_NOOP("LivenessPreset",
                           "Keepalive 60/5/3 as in the article that started it all"),
         makeConfig(LivenessMode::Keepalive, 60, 5, 3, 0ms, 15s, 10s)},
        {QStringLiteral("chromium"), QT_TRANSLATE_NOOP("LivenessPreset", "Chromium"),
         QT_TRANSLATE_NOOP("LivenessPreset",
                           "Keepalive 45 s idle and interval; the OS default count (9) decides"),
         makeConfig(LivenessMode::Keepalive, 45, 45, 9, 0ms, 15s, 10s)},
        {QStringLiteral("classroom"), QT_TRANSLATE_NOOP("LivenessPreset", "Classroom fast"),
         QT_TRANSLATE_NOOP("LivenessPreset",
                           "Keepalive 3/1/3 and heartbeats 2 s + 2 s: deaths show within seconds"),
         makeConfig(LivenessMode::Both, 3, 1, 3, 0ms, 2s, 2s)},
    };
    return presets;
}

std::optional<LivenessPreset> matchingPreset(const LivenessConfig &config)
{
    for (const auto &p : livenessPresets()) {
        if (p.config.sameEffect(config))
            return p;
    }
    return std::nullopt;
}

} // namespace longline::app
