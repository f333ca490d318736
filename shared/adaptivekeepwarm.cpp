#include "adaptivekeepwarm.h"

#include <QDateTime>
#include <QDir>
#include <QStandardPaths>
#include <QUrl>

namespace longline {

namespace {

QString groupOf(const QString &network)
{
    // QSettings treats '/' and '\' in keys specially; percent-encode them away.
    return QStringLiteral("path-") + QString::fromLatin1(QUrl::toPercentEncoding(network));
}

} // namespace

QString AdaptiveKeepWarm::reasonName(Reason reason)
{
    switch (reason) {
    case Reason::Stored:
        return QStringLiteral("stored");
    case Reason::Measured:
        return QStringLiteral("measured");
    case Reason::FailedKeepWarm:
        return QStringLiteral("failed_keepwarm");
    case Reason::RecheckFailed:
        break;
    }
    return QStringLiteral("recheck_failed");
}

QString AdaptiveKeepWarm::defaultStorePath()
{
    QString base = qEnvironmentVariable("XDG_STATE_HOME");
    if (base.isEmpty())
        base = QDir::homePath() + QStringLiteral("/.local/state");
    return base + QStringLiteral("/longline/paths.ini");
}

AdaptiveKeepWarm::AdaptiveKeepWarm(ChatClient *client, const QString &storePath, QObject *parent)
    : QObject(parent), m_client(client), m_prober(new IdleTimeoutProber(this)),
      m_store(std::make_unique<QSettings>(storePath, QSettings::IniFormat))
{
    m_recheckTimer.setSingleShot(true);
    connect(&m_recheckTimer, &QTimer::timeout, this, &AdaptiveKeepWarm::recheck);
    connect(m_client, &ChatClient::stateChanged, this, &AdaptiveKeepWarm::onStateChanged);
    connect(m_client, &ChatClient::connectionLost, this, &AdaptiveKeepWarm::onConnectionLost);
    connect(m_prober, &IdleTimeoutProber::finished, this, &AdaptiveKeepWarm::onProberFinished);
}

AdaptiveKeepWarm::~AdaptiveKeepWarm() = default;

void AdaptiveKeepWarm::setEnabled(bool on)
{
    if (on == m_enabled)
        return;
    m_enabled = on;
    if (!on) {
        m_recheckTimer.stop();
        m_prober->cancel();
        m_applied.reset();
        return;
    }
    if (m_client->state() == ChatClient::State::Online)
        onStateChanged(ChatClient::State::Online);
}

QString AdaptiveKeepWarm::currentNetwork() const
{
    const QTcpSocket *socket = m_client->socket();
    const QString local = socket ? socket->localAddress().toString() : QString();
    return QStringLiteral("%1:%2 via %3").arg(m_client->host()).arg(m_client->port()).arg(local);
}

std::optional<Millis> AdaptiveKeepWarm::storedSurvival(const QString &network) const
{
    m_store->beginGroup(groupOf(network));
    const qint64 ms = m_store->value(QStringLiteral("survived_ms"), -1).toLongLong();
    m_store->endGroup();
    if (ms <= 0)
        return std::nullopt;
    return Millis{ms};
}

AdaptiveKeepWarm::Stored AdaptiveKeepWarm::stored(const QString &network) const
{
    Stored s;
    s.survived = storedSurvival(network);
    m_store->beginGroup(groupOf(network));
    const qint64 interval = m_store->value(QStringLiteral("interval_ms"), -1).toLongLong();
    s.stale = m_store->value(QStringLiteral("stale"), false).toBool();
    m_store->endGroup();
    if (interval > 0)
        s.lowered = Millis{interval};
    return s;
}

void AdaptiveKeepWarm::store(const QString &network, std::optional<Millis> survived,
                             std::optional<Millis> lowered)
{
    m_store->beginGroup(groupOf(network));
    m_store->setValue(QStringLiteral("network"), network);
    if (survived)
        m_store->setValue(QStringLiteral("survived_ms"), static_cast<qint64>(survived->count()));
    // A lowered interval (a keep-warm or a re-check failed) stands until
    // the next measurement, which clears it.
    if (lowered)
        m_store->setValue(QStringLiteral("interval_ms"), static_cast<qint64>(lowered->count()));
    else
        m_store->remove(QStringLiteral("interval_ms"));
    m_store->setValue(QStringLiteral("stale"), lowered.has_value());
    m_store->setValue(QStringLiteral("updated"),
                      QDateTime::currentDateTimeUtc().toString(Qt::ISODate));
    m_store->endGroup();
    m_store->sync();
}

IdleTimeoutProber::Target AdaptiveKeepWarm::target() const
{
    return {m_client->host(), m_client->port(), m_client->tls()};
}

void AdaptiveKeepWarm::onStateChanged(ChatClient::State state)
{
    if (!m_enabled)
        return;
    if (state == ChatClient::State::Disconnected) {
        // The user left (or the client gave up): no probes to a server
        // nobody chats on.
        m_recheckTimer.stop();
        m_prober->cancel();
        return;
    }
    if (state != ChatClient::State::Online) {
        m_recheckTimer.stop();
        return;
    }
    m_network = currentNetwork();
    const Stored known = stored(m_network);
    // Each network its own interval: applied when this one's differs from
    // what runs (another network's, or nothing yet).
    if (known.lowered && (m_appliedNetwork != m_network || m_applied != known.lowered))
        apply(*known.lowered, Reason::Stored, known.survived.value_or(*known.lowered));
    else if (!known.lowered && known.survived &&
             (m_appliedNetwork != m_network ||
              m_applied != appliedInterval(safeKeepWarmInterval(*known.survived))))
        apply(safeKeepWarmInterval(*known.survived), Reason::Stored, *known.survived);
    if (!known.survived || known.stale) {
        measureNow();
        return;
    }
    m_recheckTimer.start(m_recheckInterval);
}

void AdaptiveKeepWarm::measureNow()
{
    if (m_client->host().isEmpty())
        return;
    const QString network = m_network.isEmpty() ? currentNetwork() : m_network;
    // A reconnect in the middle of a search of this very network must not
    // restart it: on the paths that need it most, connections die faster
    // than a search takes.
    if (m_prober->isRunning() && !m_checking && m_measuringNetwork == network)
        return;
    m_recheckTimer.stop();
    m_checking = false;
    m_measuringNetwork = network;
    Q_EMIT measuring(m_measuringNetwork);
    m_prober->start(target(), m_search);
}

void AdaptiveKeepWarm::recheck()
{
    const std::optional<Millis> known = storedSurvival(m_network);
    if (!m_enabled || !known || m_prober->isRunning())
        return;
    // What has to hold is the interval in force, not the (just) surviving
    // idle time the search found, which sits within its resolution of the
    // timeout.
    const Millis delay = m_applied.value_or(safeKeepWarmInterval(*known));
    m_checking = true;
    m_measuringNetwork = m_network;
    m_prober->checkOnce(target(), delay, m_search);
}

void AdaptiveKeepWarm::restartRecheck()
{
    if (m_client->state() == ChatClient::State::Online)
        m_recheckTimer.start(m_recheckInterval);
}

void AdaptiveKeepWarm::onProberFinished(const IdleTimeoutResult &result)
{
    const bool wasCheck = m_checking;
    m_checking = false;
    if (!m_enabled || result.outcome == IdleTimeoutResult::Outcome::Cancelled)
        return;
    if (wasCheck) {
        if (result.outcome != IdleTimeoutResult::Outcome::Measured) {
            restartRecheck(); // could not check: try again later
            return;
        }
        const bool lost = result.goneBy > Millis{0};
        const Millis delay = lost ? result.goneBy : result.survived;
        Q_EMIT rechecked(delay,
                         lost ? (result.behaviour == ForgetBehaviour::Reset ? ProbeOutcome::Reset
                                                                            : ProbeOutcome::Silent)
                              : ProbeOutcome::Survived);
        if (!lost) {
            restartRecheck();
            return;
        }
        // The path forgets sooner than it used to: be safe now, measure anew.
        lowerNow(delay, Reason::RecheckFailed);
        measureNow();
        return;
    }
    Q_EMIT measured(result);
    const bool usable = (result.outcome == IdleTimeoutResult::Outcome::Measured ||
                         result.outcome == IdleTimeoutResult::Outcome::NoTimeout) &&
                        result.survived > Millis{0};
    if (!usable) {
        restartRecheck(); // nothing safe to keep warm at: try again later
        return;
    }
    store(m_measuringNetwork, result.survived, std::nullopt);
    if (m_measuringNetwork == m_network)
        apply(safeKeepWarmInterval(result.survived), Reason::Measured, result.survived);
    restartRecheck();
}

void AdaptiveKeepWarm::onConnectionLost(const DeathVerdict &verdict)
{
    if (!m_enabled || !m_applied)
        return;
    const bool timedOut = verdict.cause == DeathCause::HeartbeatTimeout ||
                          verdict.cause == DeathCause::KeepaliveTimeout;
    // A gateway that answers a forgotten mapping with a reset does so to the
    // keep-warm itself, after a whole interval of silence.
    const ConnectionLiveness *liveness = m_client->liveness();
    const bool resetAfterIdle = verdict.cause == DeathCause::ResetByPeer && liveness &&
                                liveness->sinceLastHeard() >= *m_applied * 9 / 10;
    if (!timedOut && !resetAfterIdle)
        return;
    // The mapping did not survive one interval of silence: halve it now,
    // and measure again when back online. (A path cut or a suspended laptop
    // looks the same from here; the next measurement puts it right.)
    m_prober->cancel();
    m_recheckTimer.stop();
    lowerNow(*m_applied, Reason::FailedKeepWarm);
}

void AdaptiveKeepWarm::lowerNow(Millis failedAt, Reason reason)
{
    const Millis lowered =
        std::max(std::min(failedAt, m_applied.value_or(failedAt)) / 2, MinKeepWarmInterval);
    const std::optional<Millis> survived = storedSurvival(m_network);
    store(m_network, std::nullopt, lowered);
    apply(lowered, reason, survived.value_or(lowered));
}

Millis AdaptiveKeepWarm::appliedInterval(Millis interval) const
{
    const LivenessSettings settings = withKeepWarmInterval(m_client->livenessSettings(), interval);
    return keepWarmMechanism(settings) == KeepWarmMechanism::Keepalive
               ? Millis{std::chrono::seconds(settings.keepalive.idleS)}
               : settings.heartbeat.interval;
}

void AdaptiveKeepWarm::apply(Millis interval, Reason reason, Millis survived)
{
    const LivenessSettings settings = withKeepWarmInterval(m_client->livenessSettings(), interval);
    m_client->setLivenessSettings(settings);
    const KeepWarmMechanism mechanism = keepWarmMechanism(settings);
    m_applied = appliedInterval(interval);
    m_appliedNetwork = m_network;
    Q_EMIT applied(*m_applied, mechanism, reason, survived);
}

} // namespace longline
