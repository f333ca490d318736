#pragma once
// The liveness settings one side of a connection runs with. Shared by the
// server, the terminal client and the desktop client, parsed from the same
// command-line syntax everywhere.

#include <QCommandLineParser>
#include <QString>
#include <chrono>
#include <optional>

namespace longline {

using Millis = std::chrono::milliseconds;

// OS TCP keepalive (SO_KEEPALIVE, TCP_KEEPIDLE, TCP_KEEPINTVL, TCP_KEEPCNT).
// The kernel takes whole seconds for idle and interval.
struct KeepaliveOptions
{
    // Off by default, as in the kernel: keepalive runs only when asked for.
    bool enabled = false;
    // Seconds of silence (nothing received) before the first probe. 1..32767.
    int idleS = 60;
    // Seconds between unanswered probes. 1..32767.
    int intervalS = 5;
    // Unanswered probes before the kernel declares the peer dead. 1..127.
    int count = 3;

    // Worst-case time from the last segment received to the verdict:
    // idle + interval x count; with TCP_USER_TIMEOUT set the kernel instead
    // gives up once that much time passed and at least one probe went out.
    Millis detectionBudget(Millis userTimeout = Millis{0}) const;

    // "IDLE,INTVL,CNT" or "off". Returns nothing and sets *error on bad input.
    static std::optional<KeepaliveOptions> parse(const QString &text, QString *error = nullptr);
    QString toString() const;
    bool operator==(const KeepaliveOptions &o) const;
};

// Application heartbeats: PING after `interval` of silence, peer dead after
// `interval + timeout` of silence. Fractions of a second are allowed.
struct HeartbeatOptions
{
    bool enabled = false;
    // Silence (nothing received) after which a PING is sent.
    Millis interval{15000};
    // Further silence after that before the peer is declared dead.
    Millis timeout{10000};

    Millis detectionBudget() const { return interval + timeout; }

    // "INTERVAL,TIMEOUT" in seconds (fractions allowed) or "off".
    static std::optional<HeartbeatOptions> parse(const QString &text, QString *error = nullptr);
    QString toString() const;
    bool operator==(const HeartbeatOptions &o) const;
};

struct LivenessSettings
{
    KeepaliveOptions keepalive;
    // TCP_USER_TIMEOUT: how long sent data may stay unacknowledged before the
    // kernel gives up (and, with keepalive on, the replacement for the probe
    // count). 0 = off (kernel default, about 15 minutes of retransmissions).
    Millis userTimeout{0};
    HeartbeatOptions heartbeat;

    // The soonest any enabled mechanism promises to notice a dead peer, or
    // nothing when no mechanism is on.
    std::optional<Millis> detectionBudget() const;

    // "MS" or "off" for --user-timeout.
    static std::optional<Millis> parseUserTimeout(const QString &text, QString *error = nullptr);
    bool operator==(const LivenessSettings &o) const;
};

QString formatMillis(Millis ms); // "1.25 s", "350 ms", "2 min 5 s"

// Reads --keepalive, --user-timeout and --heartbeat (the same syntax on the
// server and the terminal client) into `settings`, leaving absent flags
// alone. False with *error naming the flag at the first bad value.
bool readLivenessFlags(const QCommandLineParser &parser, const QCommandLineOption &keepalive,
                       const QCommandLineOption &userTimeout, const QCommandLineOption &heartbeat,
                       LivenessSettings *settings, QString *error);

} // namespace longline
