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

void AdaptiveKeepWarm::store(const QString &network, Millis survived, bool stale)
{
    m_store->beginGroup(groupOf(network));
    m_store->setValue(QStringLiteral("network"), network);
    m_store->setValue(QStringLiteral("survived_ms"), static_cast<qint64>(survived.count()));
    m_store->setValue(QStringLiteral("stale"), stale);
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
    if (state != ChatClient::State::Online) {
        m_recheckTimer.stop();
        return;
    }
    m_network = currentNetwork();
    m_store->beginGroup(groupOf(m_network));
    const bool stale = m_store->value(QStringLiteral("stale"), false).toBool();
    m_store->endGroup();
    const std::optional<Millis> known = storedSurvival(m_network);
    if (known && !m_applied)
        apply(*known, Reason::Stored);
    if (!known || stale) {
        measureNow();
        return;
    }
    m_recheckTimer.start(m_recheckInterval);
}

void AdaptiveKeepWarm::measureNow()
{
    if (m_client->host().isEmpty())
        return;
    m_recheckTimer.stop();
    m_checking = false;
    m_measuringNetwork = m_network.isEmpty() ? currentNetwork() : m_network;
    Q_EMIT measuring(m_measuringNetwork);
    m_prober->start(target(), m_search);
}

void AdaptiveKeepWarm::recheck()
{
    const std::optional<Millis> known = storedSurvival(m_network);
    if (!m_enabled || !known || m_prober->isRunning())
        return;
    m_checking = true;
    m_measuringNetwork = m_network;
    m_prober->checkOnce(target(), *known, m_search);
}

void AdaptiveKeepWarm::onProberFinished(const IdleTimeoutResult &result)
{
    const bool wasCheck = m_checking;
    m_checking = false;
    if (!m_enabled || result.outcome == IdleTimeoutResult::Outcome::Cancelled)
        return;
    if (wasCheck) {
        if (result.outcome != IdleTimeoutResult::Outcome::Measured) {
            m_recheckTimer.start(m_recheckInterval); // could not check: try again later
            return;
        }
        const bool lost = result.goneBy > Millis{0};
        const Millis delay = lost ? result.goneBy : result.survived;
        Q_EMIT rechecked(delay,
                         lost ? (result.behaviour == ForgetBehaviour::Reset ? ProbeOutcome::Reset
                                                                            : ProbeOutcome::Silent)
                              : ProbeOutcome::Survived);
        if (!lost) {
            m_recheckTimer.start(m_recheckInterval);
            return;
        }
        // The path forgets sooner than it used to: be safe now, measure anew.
        const Millis halved = delay / 2;
        store(m_measuringNetwork, halved, true);
        apply(halved, Reason::RecheckFailed);
        measureNow();
        return;
    }
    Q_EMIT measured(result);
    if (result.outcome != IdleTimeoutResult::Outcome::Measured &&
        result.outcome != IdleTimeoutResult::Outcome::NoTimeout)
        return;
    if (result.survived <= Millis{0})
        return; // every probe was lost: nothing safe to keep warm at
    store(m_measuringNetwork, result.survived, false);
    if (m_measuringNetwork == m_network)
        apply(result.survived, Reason::Measured);
    if (m_client->state() == ChatClient::State::Online)
        m_recheckTimer.start(m_recheckInterval);
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
    // and measure again when back online.
    const Millis survived = storedSurvival(m_network).value_or(*m_applied);
    const Millis lowered = std::min(survived, *m_applied) / 2;
    store(m_network, lowered, true);
    m_prober->cancel();
    m_recheckTimer.stop();
    apply(lowered, Reason::FailedKeepWarm);
}

void AdaptiveKeepWarm::apply(Millis survived, Reason reason)
{
    // A halved value is already an interval below the failure; the others
    // are survival times that want the safety margin.
    const bool lowered = reason == Reason::FailedKeepWarm || reason == Reason::RecheckFailed;
    const Millis interval =
        lowered ? std::max(survived, MinKeepWarmInterval) : safeKeepWarmInterval(survived);
    const LivenessSettings settings = withKeepWarmInterval(m_client->livenessSettings(), interval);
    m_client->setLivenessSettings(settings);
    const KeepWarmMechanism mechanism = keepWarmMechanism(settings);
    m_applied = mechanism == KeepWarmMechanism::Keepalive
                    ? Millis{std::chrono::seconds(settings.keepalive.idleS)}
                    : settings.heartbeat.interval;
    Q_EMIT applied(*m_applied, mechanism, reason, survived);
}

} // namespace longline
