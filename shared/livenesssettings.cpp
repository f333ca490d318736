#include "livenesssettings.h"

#include <QCoreApplication>
#include <QStringList>
#include <algorithm>
#include <cmath>

namespace longline {

namespace {
bool setError(QString *error, const QString &text)
{
    if (error)
        *error = text;
    return false;
}

std::optional<Millis> parseSeconds(const QString &s)
{
    bool ok = false;
    const double v = s.trimmed().toDouble(&ok);
    if (!ok || !std::isfinite(v) || v <= 0 || v > 86400.0 * 7)
        return std::nullopt;
    return Millis{static_cast<qint64>(std::llround(v * 1000.0))};
}

QString secondsText(Millis ms)
{
    return QString::number(ms.count() / 1000.0, 'g', 6);
}
} // namespace

Millis KeepaliveOptions::detectionBudget(Millis userTimeout) const
{
    const Millis idle = std::chrono::seconds(idleS);
    const Millis intvl = std::chrono::seconds(intervalS);
    if (userTimeout.count() > 0) {
        // The kernel checks the user timeout when a probe is due: at the
        // earliest after idle + one interval, then on each later probe.
        const Millis firstCheck = idle + intvl;
        if (userTimeout <= firstCheck)
            return firstCheck;
        const auto extra = (userTimeout - firstCheck + intvl - Millis{1}) / intvl;
        return firstCheck + intvl * extra;
    }
    return idle + intvl * count;
}

std::optional<KeepaliveOptions> KeepaliveOptions::parse(const QString &text, QString *error)
{
    KeepaliveOptions o;
    const QString t = text.trimmed().toLower();
    if (t == QLatin1String("off") || t == QLatin1String("0")) {
        o.enabled = false;
        return o;
    }
    const QStringList parts = t.split(QLatin1Char(','));
    if (parts.size() != 3) {
        setError(error,
                 QStringLiteral(
                     "keepalive wants IDLE,INTVL,CNT (seconds, seconds, count) or off, got '%1'")
                     .arg(text));
        return std::nullopt;
    }
    bool ok1 = false, ok2 = false, ok3 = false;
    o.idleS = parts.at(0).toInt(&ok1);
    o.intervalS = parts.at(1).toInt(&ok2);
    o.count = parts.at(2).toInt(&ok3);
    if (!ok1 || !ok2 || !ok3 || o.idleS < 1 || o.idleS > 32767 || o.intervalS < 1 ||
        o.intervalS > 32767 || o.count < 1 || o.count > 127) {
        setError(error, QStringLiteral("keepalive values out of range in '%1': idle and interval "
                                       "are whole seconds 1..32767, count 1..127")
                            .arg(text));
        return std::nullopt;
    }
    o.enabled = true;
    return o;
}

QString KeepaliveOptions::toString() const
{
    if (!enabled)
        return QStringLiteral("off");
    return QStringLiteral("%1,%2,%3").arg(idleS).arg(intervalS).arg(count);
}

bool KeepaliveOptions::operator==(const KeepaliveOptions &o) const
{
    return enabled == o.enabled && idleS == o.idleS && intervalS == o.intervalS && count == o.count;
}

std::optional<HeartbeatOptions> HeartbeatOptions::parse(const QString &text, QString *error)
{
    HeartbeatOptions o;
    const QString t = text.trimmed().toLower();
    if (t == QLatin1String("off") || t == QLatin1String("0")) {
        o.enabled = false;
        return o;
    }
    const QStringList parts = t.split(QLatin1Char(','));
    if (parts.size() != 2) {
        setError(error,
                 QStringLiteral("heartbeat wants INTERVAL,TIMEOUT in seconds or off, got '%1'")
                     .arg(text));
        return std::nullopt;
    }
    const auto interval = parseSeconds(parts.at(0));
    const auto timeout = parseSeconds(parts.at(1));
    if (!interval || !timeout || interval->count() < 50 || timeout->count() < 50) {
        setError(error,
                 QStringLiteral(
                     "heartbeat values must be numbers of seconds from 0.05 to 604800, got '%1'")
                     .arg(text));
        return std::nullopt;
    }
    o.enabled = true;
    o.interval = *interval;
    o.timeout = *timeout;
    return o;
}

QString HeartbeatOptions::toString() const
{
    if (!enabled)
        return QStringLiteral("off");
    return secondsText(interval) + QLatin1Char(',') + secondsText(timeout);
}

bool HeartbeatOptions::operator==(const HeartbeatOptions &o) const
{
    return enabled == o.enabled && interval == o.interval && timeout == o.timeout;
}

std::optional<Millis> LivenessSettings::detectionBudget() const
{
    std::optional<Millis> best;
    auto consider = [&best](Millis m) {
        if (!best || m < *best)
            best = m;
    };
    if (keepalive.enabled)
        consider(keepalive.detectionBudget(userTimeout));
    if (heartbeat.enabled)
        consider(heartbeat.detectionBudget());
    return best;
}

std::optional<Millis> LivenessSettings::parseUserTimeout(const QString &text, QString *error)
{
    const QString t = text.trimmed().toLower();
    if (t == QLatin1String("off"))
        return Millis{0};
    bool ok = false;
    const qlonglong v = t.toLongLong(&ok);
    if (!ok || v < 0 || v > 0x7fffffff) {
        setError(error,
                 QStringLiteral("user timeout wants milliseconds (0..2147483647) or off, got '%1'")
                     .arg(text));
        return std::nullopt;
    }
    return Millis{v};
}

bool LivenessSettings::operator==(const LivenessSettings &o) const
{
    return keepalive == o.keepalive && userTimeout == o.userTimeout && heartbeat == o.heartbeat;
}

bool readLivenessFlags(const QCommandLineParser &parser, const QCommandLineOption &keepalive,
                       const QCommandLineOption &userTimeout, const QCommandLineOption &heartbeat,
                       LivenessSettings *settings, QString *error)
{
    QString why;
    if (parser.isSet(keepalive)) {
        const auto k = KeepaliveOptions::parse(parser.value(keepalive), &why);
        if (!k)
            return setError(error, QStringLiteral("--keepalive: ") + why);
        settings->keepalive = *k;
    }
    if (parser.isSet(userTimeout)) {
        const auto u = LivenessSettings::parseUserTimeout(parser.value(userTimeout), &why);
        if (!u)
            return setError(error, QStringLiteral("--user-timeout: ") + why);
        settings->userTimeout = *u;
    }
    if (parser.isSet(heartbeat)) {
        const auto h = HeartbeatOptions::parse(parser.value(heartbeat), &why);
        if (!h)
            return setError(error, QStringLiteral("--heartbeat: ") + why);
        settings->heartbeat = *h;
    }
    return true;
}

QString formatMillis(Millis ms)
{
    // Translated for the desktop client; without a translator (the cli, the
    // server's log, the tests) the text is the English below.
    const qint64 v = ms.count();
    if (v < 0)
        return QStringLiteral("-") + formatMillis(Millis{-v});
    if (v < 1000)
        return QCoreApplication::translate("Duration", "%1 ms").arg(v);
    if (v < 60000)
        return QCoreApplication::translate("Duration", "%1 s")
            .arg(QString::number(v / 1000.0, 'f', v < 10000 ? 2 : 1));
    if (v < 3600000)
        return QCoreApplication::translate("Duration", "%1 min %2 s")
            .arg(v / 60000)
            .arg((v % 60000) / 1000);
    return QCoreApplication::translate("Duration", "%1 h %2 min")
        .arg(v / 3600000)
        .arg((v % 3600000) / 60000);
}

} // namespace longline
