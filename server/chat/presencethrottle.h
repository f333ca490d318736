#pragma once
// Counts presence churn against the address it comes from: each address
// may have a burst of joins announced (JOIN to everyone, and later the
// matching LEAVE), then one more every RefillEvery. Joins beyond that still
// register, but nobody is told, so a connect/HELLO/QUIT loop from one
// address reaches the other users a few times a minute instead of
// thousands of times a second. Memory is bounded: an address whose budget
// is full again is forgotten, and at most MaxTracked addresses are held.

#include "livenesssettings.h"

#include <QHash>
#include <QHostAddress>
#include <QString>
#include <chrono>

namespace longline::server {

using namespace std::chrono_literals;

class PresenceThrottle
{
public:
    static constexpr int Burst = 10;
    static constexpr Millis RefillEvery = 6s;
    static constexpr int MaxTracked = 65536;

    // Counts a join from `address`; true when it is to be announced.
    bool admitAnnouncement(const QHostAddress &address, Millis now);
    int trackedAddresses() const { return static_cast<int>(m_buckets.size()); }

private:
    struct Bucket
    {
        int tokens = Burst;
        Millis refilled{0}; // when `tokens` was last brought up to date
    };
    static void refill(Bucket &bucket, Millis now);
    void forgetFullBuckets(Millis now);

    QHash<QString, Bucket> m_buckets; // address key -> its budget
    Millis m_lastSweep{0};
};

} // namespace longline::server
