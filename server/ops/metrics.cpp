#include "metrics.h"

namespace longline::server {

namespace {

void header(QByteArray &out, const char *name, const char *help, const char *type)
{
    out += "# HELP ";
    out += name;
    out += ' ';
    out += help;
    out += "\n# TYPE ";
    out += name;
    out += ' ';
    out += type;
    out += '\n';
}

QByteArray number(double v)
{
    return QByteArray::number(v, 'g', 12);
}

void single(QByteArray &out, const char *name, const char *help, const char *type, double value)
{
    header(out, name, help, type);
    out += name;
    out += ' ' + number(value) + '\n';
}

void labelled(QByteArray &out, const char *name, const char *help, const char *type,
              const char *label, const QMap<QString, quint64> &values)
{
    header(out, name, help, type);
    for (auto it = values.cbegin(); it != values.cend(); ++it) {
        out += name;
        out += '{';
        out += label;
        out += "=\"" + it.key().toUtf8() + "\"} " + number(static_cast<double>(it.value())) + '\n';
    }
}

} // namespace

Histogram::Histogram(std::vector<double> upperBounds)
    : m_bounds(std::move(upperBounds)), m_counts(m_bounds.size() + 1, 0)
{
}

void Histogram::observe(double value)
{
    size_t i = 0;
    while (i < m_bounds.size() && value > m_bounds[i])
        ++i;
    ++m_counts[i];
    m_sum += value;
    ++m_count;
}

void Histogram::render(QByteArray &out, const char *name, const char *help) const
{
    header(out, name, help, "histogram");
    quint64 cumulative = 0;
    for (size_t i = 0; i <= m_bounds.size(); ++i) {
        cumulative += m_counts[i];
        out += name;
        out += "_bucket{le=\"";
        out += i < m_bounds.size() ? number(m_bounds[i]) : QByteArray("+Inf");
        out += "\"} " + QByteArray::number(cumulative) + '\n';
    }
    out += name;
    out += "_sum " + number(m_sum) + '\n';
    out += name;
    out += "_count " + QByteArray::number(m_count) + '\n';
}

ServerMetrics::ServerMetrics()
    : detectionToBudget({0.25, 0.5, 0.75, 0.9, 1.0, 1.1, 1.25, 1.5, 2.0, 4.0}),
      heartbeatRttSeconds(
          {0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5}),
      storeCommitSeconds({0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1})
{
}

void ServerMetrics::noteDeath(const DeathVerdict &verdict)
{
    const auto index = static_cast<size_t>(verdict.cause);
    if (index < deaths.size())
        ++deaths[index];
    if (verdict.budget && verdict.budget->count() > 0)
        detectionToBudget.observe(static_cast<double>(verdict.detection.count()) /
                                  static_cast<double>(verdict.budget->count()));
}

QByteArray renderMetrics(const ServerMetrics &m, const ConnectionGauges &g)
{
    QByteArray out;
    out.reserve(8192);
    labelled(out, "longline_connections", "Open client connections by state.", "gauge", "state",
             g.byState);
    labelled(out, "longline_connections_by_transport", "Open client connections by transport.",
             "gauge", "transport", g.byTransport);
    single(out, "longline_connections_accepted_total", "Client connections accepted.", "counter",
           static_cast<double>(m.accepted));
    labelled(out, "longline_connections_refused_total", "Client connections refused, by reason.",
             "counter", "reason", m.refused);
    QMap<QString, quint64> deaths;
    for (size_t i = 0; i < m.deaths.size(); ++i)
        deaths.insert(DeathVerdict::causeKey(static_cast<DeathCause>(i)), m.deaths[i]);
    labelled(out, "longline_connection_deaths_total",
             "Connections ended, by the cause their verdict names.", "counter", "cause", deaths);
    m.detectionToBudget.render(out, "longline_detection_to_budget_ratio",
                               "Detection time of a dead peer divided by the budget its "
                               "mechanism implies (1 = exactly on budget).");
    single(out, "longline_heartbeats_sent_total", "Heartbeat PINGs the server sent.", "counter",
           static_cast<double>(m.heartbeatsSent));
    single(out, "longline_heartbeats_answered_total",
           "Heartbeat PINGs the clients answered with PONG.", "counter",
           static_cast<double>(m.heartbeatsAnswered));
    m.heartbeatRttSeconds.render(out, "longline_heartbeat_rtt_seconds",
                                 "Round trip of the server's heartbeat PINGs.");
    single(out, "longline_messages_stored_total", "Chat messages committed to the history.",
           "counter", static_cast<double>(m.messagesStored));
    single(out, "longline_store_transactions_total",
           "Transactions that committed messages; each holds every message that arrived while "
           "the one before it committed (group commit).",
           "counter", static_cast<double>(m.storeTransactions));
    single(out, "longline_messages_delivered_total", "MSG lines queued to members.", "counter",
           static_cast<double>(m.messagesDelivered));
    single(out, "longline_slow_readers_dropped_total",
           "Clients dropped for leaving too much output unread.", "counter",
           static_cast<double>(m.slowReadersDropped));
    single(out, "longline_queued_output_bytes",
           "Output queued for all clients, not yet taken "
           "by the kernel.",
           "gauge", static_cast<double>(g.queuedOutputBytes));
    single(out, "longline_queued_output_limit_bytes", "--max-output-total.", "gauge",
           static_cast<double>(g.queuedOutputLimit));
    m.storeCommitSeconds.render(
        out, "longline_store_commit_seconds",
        "From a message's arrival to the commit of the transaction that holds it "
        "(synchronous=FULL), on the storage thread.");
    return out;
}

} // namespace longline::server
