#include "natdiscovery.h"

#include "keepwarm.h"

#include <QJsonArray>
#include <cstdio>

namespace longline::cli {

namespace {

// "14.6", "15" or "3600": what --heartbeat takes, never "1e+04".
QString heartbeatSeconds(Millis interval)
{
    QString text = QString::number(interval.count() / 1000.0, 'f', 1);
    if (text.endsWith(QLatin1String(".0")))
        text.chop(2);
    return text;
}

} // namespace

NatDiscovery::NatDiscovery(const CliOptions &options, QObject *parent)
    : QObject(parent), m_options(options), m_events(options.events)
{
    connect(
        &m_prober, &IdleTimeoutProber::roundStarted, this,
        [this](int round, const QString &phase, const QList<Millis> &delays) {
            QJsonArray ms;
            for (const Millis d : delays)
                ms.append(static_cast<double>(d.count()));
            m_events.write(
                QStringLiteral("probe_round"),
                {{QStringLiteral("round"), round},
                 {QStringLiteral("phase"), phase},
                 {QStringLiteral("delays_ms"), ms},
                 {QStringLiteral("survived_ms"), static_cast<double>(m_prober.survived().count())},
                 {QStringLiteral("gone_by_ms"), static_cast<double>(m_prober.goneBy().count())},
                 {QStringLiteral("round_ends_ms"),
                  static_cast<double>(m_prober.roundDeadline().count())}});
        });
    connect(&m_prober, &IdleTimeoutProber::probeFinished, this,
            [this](Millis delay, ProbeOutcome outcome, const QString &detail) {
                QJsonObject fields{{QStringLiteral("delay_ms"), static_cast<double>(delay.count())},
                                   {QStringLiteral("outcome"), probeOutcomeName(outcome)}};
                if (!detail.isEmpty())
                    fields.insert(QStringLiteral("detail"), detail);
                m_events.write(QStringLiteral("probe_result"), fields);
            });
    connect(&m_prober, &IdleTimeoutProber::finished, this, &NatDiscovery::onFinished);
    connect(&m_signals, &QuitSignals::quitRequested, this, [this] { m_prober.cancel(); });
}

void NatDiscovery::start()
{
    IdleTimeoutSearch search;
    search.minDelay = std::chrono::seconds(m_options.probeMinS);
    search.maxDelay = std::chrono::seconds(m_options.probeMaxS);
    search.resolution = m_options.resolution;
    m_events.write(QStringLiteral("discovering"),
                   {{QStringLiteral("server"),
                     QStringLiteral("%1:%2").arg(m_options.host).arg(m_options.port)},
                    {QStringLiteral("resolution_pct"), m_options.resolution * 100},
                    {QStringLiteral("min_ms"), static_cast<double>(search.minDelay.count())},
                    {QStringLiteral("max_ms"), static_cast<double>(search.maxDelay.count())}});
    m_prober.start(
        {m_options.host, m_options.port, {m_options.tls, m_options.tlsCaFile, m_options.tlsPin}},
        search);
}

void NatDiscovery::onFinished(const IdleTimeoutResult &result)
{
    QJsonObject fields{
        {QStringLiteral("outcome"), result.outcomeName()},
        {QStringLiteral("survived_ms"), static_cast<double>(result.survived.count())},
        {QStringLiteral("gone_by_ms"), static_cast<double>(result.goneBy.count())},
        {QStringLiteral("gateway"), forgetBehaviourName(result.behaviour)},
        {QStringLiteral("elapsed_ms"), static_cast<double>(result.elapsed.count())},
        {QStringLiteral("probes"), result.probes},
        {QStringLiteral("rounds"), result.rounds},
    };
    QString advice;
    if (result.survived > Millis{0} && result.outcome != IdleTimeoutResult::Outcome::Failed) {
        const Millis interval = safeKeepWarmInterval(result.survived);
        const LivenessSettings beats = withKeepWarmInterval(LivenessSettings{}, interval);
        LivenessSettings probes;
        probes.keepalive.enabled = true;
        probes = withKeepWarmInterval(probes, interval);
        fields.insert(QStringLiteral("keepalive_idle_s"), probes.keepalive.idleS);
        fields.insert(QStringLiteral("heartbeat_interval_ms"),
                      static_cast<double>(beats.heartbeat.interval.count()));
        const IdleTraffic hb = heartbeatIdleTraffic(beats.heartbeat.interval, m_options.tls);
        const IdleTraffic ka = keepaliveIdleTraffic(std::chrono::seconds(probes.keepalive.idleS));
        advice = QStringLiteral("To keep it warm, use --heartbeat %1,10 (%2 packets, %3 KB an "
                                "hour while idle) or --keepalive %4,5,3 (%5 packets, %6 KB an "
                                "hour); %7 % of what survived.")
                     .arg(heartbeatSeconds(beats.heartbeat.interval))
                     .arg(qRound(hb.packetsPerHour))
                     .arg(hb.bytesPerHour / 1000.0, 0, 'f', 1)
                     .arg(probes.keepalive.idleS)
                     .arg(qRound(ka.packetsPerHour))
                     .arg(ka.bytesPerHour / 1000.0, 0, 'f', 1)
                     .arg(qRound(SafeKeepWarmFraction * 100));
    }
    if (!result.error.isEmpty())
        fields.insert(QStringLiteral("error"), result.error);
    m_events.write(QStringLiteral("nat_timeout"), fields);
    std::fputs(qPrintable(result.describe() + QLatin1Char('\n')), stdout);
    if (!advice.isEmpty())
        std::fputs(qPrintable(advice + QLatin1Char('\n')), stdout);
    std::fflush(stdout);

    int status = ExitOk;
    if (result.outcome == IdleTimeoutResult::Outcome::Cancelled)
        status = ExitCancelled;
    else if (result.outcome == IdleTimeoutResult::Outcome::Failed)
        status = result.error.contains(QLatin1String("refused the probes")) ? ExitProtocol
                                                                            : ExitConnectFailed;
    Q_EMIT finished(status);
}

} // namespace longline::cli
