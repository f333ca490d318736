#include "auththrottle.h"

#include "addresskey.h"

#include <algorithm>

namespace longline::server {

namespace {
constexpr Millis SweepEvery = 60s;
constexpr Millis FullSweepEvery = 1s;
} // namespace

Millis AuthThrottle::retryAfter(const QHostAddress &address, Millis now) const
{
    const auto it = m_entries.constFind(addressKey(address));
    if (it == m_entries.constEnd() || it->lockedUntil <= now)
        return Millis{0};
    return it->lockedUntil - now;
}

void AuthThrottle::forgetStale(Millis now)
{
    m_lastSweep = now;
    for (auto it = m_entries.begin(); it != m_entries.end();) {
        if (isStale(it.value(), now))
            it = m_entries.erase(it);
        else
            ++it;
    }
}

Millis AuthThrottle::noteFailure(const QHostAddress &address, Millis now)
{
    const Millis sinceSweep = now - m_lastSweep;
    if (sinceSweep >= SweepEvery ||
        (m_entries.size() >= MaxTracked && sinceSweep >= FullSweepEvery))
        forgetStale(now);
    const QString key = addressKey(address);
    auto it = m_entries.find(key);
    if (it != m_entries.end() && isStale(it.value(), now))
        it.value() = Entry{};
    if (it == m_entries.end()) {
        if (m_entries.size() >= MaxTracked)
            return Millis{0};
        it = m_entries.insert(key, Entry{});
    }
    Entry &e = it.value();
    ++e.failures;
    e.lastFailure = now;
    if (e.failures <= FreeFailures)
        return Millis{0};
    // Doubling, capped before it could overflow.
    const int doublings = std::min(e.failures - FreeFailures - 1, 20);
    const Millis delay = std::min<Millis>(FirstDelay * (1LL << doublings), MaxDelay);
    e.lockedUntil = now + delay;
    return delay;
}

} // namespace longline::server
