#pragma once
// What the server counts for an operator, rendered as Prometheus text
// (--metrics). Counters are plain integers: one event loop owns them. The
// gauges that describe the connections now (by state, by transport,
// queued output) are read at scrape time, not kept up to date per event.

#include "deathverdict.h"

#include <QByteArray>
#include <QList>
#include <QMap>
#include <QString>
#include <array>
#include <vector>

namespace longline::server {

// Cumulative buckets, as Prometheus histograms are.
class Histogram
{
public:
    explicit Histogram(std::vector<double> upperBounds);
    void observe(double value);
    // "# HELP", "# TYPE" and the _bucket, _sum and _count lines.
    void render(QByteArray &out, const char *name, const char *help) const;

private:
    std::vector<double> m_bounds;
    std::vector<quint64> m_counts; // per bucket, not cumulative; last is +Inf
    double m_sum = 0;
    quint64 m_count = 0;
};

struct ServerMetrics
{
    ServerMetrics();

    quint64 accepted = 0;
    QMap<QString, quint64>
        refused; // by reason: server_full, per_address, banned, out_of_descriptors
    std::array<quint64, 8> deaths{}; // by DeathCause
    // Detection time divided by the budget the settings imply, for deaths
    // that have one: 1.0 is exactly on budget.
    Histogram detectionToBudget;
    quint64 heartbeatsSent = 0;
    quint64 heartbeatsAnswered = 0;
    Histogram heartbeatRttSeconds;
    quint64 messagesStored = 0;
    quint64 storeTransactions = 0; // group commit: one holds every message that waited for it
    quint64 messagesDelivered = 0; // MSG lines queued to members
    quint64 slowReadersDropped = 0;
    Histogram storeCommitSeconds;

    void noteDeath(const DeathVerdict &verdict);
};

// The connections as they are at scrape time.
struct ConnectionGauges
{
    QMap<QString, quint64> byState;     // connected, registered, closing
    QMap<QString, quint64> byTransport; // tcp, tls
    qint64 queuedOutputBytes = 0;
    qint64 queuedOutputLimit = 0;
};

QByteArray renderMetrics(const ServerMetrics &m, const ConnectionGauges &g);

} // namespace longline::server
