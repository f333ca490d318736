#pragma once
// Slows password guessing per address: the first FreeFailures wrong
// passwords cost only a new connection each; every further one locks the
// address out for a delay that doubles each time (FirstDelay, 2x, 4x, ...
// up to MaxDelay). During the delay HELLO is refused without looking at the
// password, so a right guess cannot be told from a wrong one. An address
// quiet for ForgetAfter past its delay starts afresh. Memory is bounded
// like PresenceThrottle's: stale entries are swept, at most MaxTracked kept
// (beyond that, newcomers are not tracked until a sweep frees room).

#include "livenesssettings.h"

#include <QHash>
#include <QHostAddress>
#include <QString>
#include <algorithm>
#include <chrono>

namespace longline::server {

using namespace std::chrono_literals;

class AuthThrottle
{
public:
    static constexpr int FreeFailures = 3;
    static constexpr Millis FirstDelay = 1s;
    static constexpr Millis MaxDelay = 5min;
    static constexpr Millis ForgetAfter = 15min;
    static constexpr int MaxTracked = 65536;

    // How long `address` must still wait before its password is looked at
    // (0 = now).
    Millis retryAfter(const QHostAddress &address, Millis now) const;
    // Counts a wrong password from `address`; returns the delay it now
    // has to wait (0 while it has free failures left).
    Millis noteFailure(const QHostAddress &address, Millis now);
    int trackedAddresses() const { return static_cast<int>(m_entries.size()); }

private:
    struct Entry
    {
        int failures = 0;
        Millis lastFailure{0};
        Millis lockedUntil{0};
    };
    static bool isStale(const Entry &entry, Millis now)
    {
        return now - std::max(entry.lastFailure, entry.lockedUntil) >= ForgetAfter;
    }
    void forgetStale(Millis now);

    QHash<QString, Entry> m_entries; // address key -> its failures
    Millis m_lastSweep{0};
};

} // namespace longline::server
