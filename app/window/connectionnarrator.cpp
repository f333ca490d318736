#include "connectionnarrator.h"

#include "connectionbanner.h"
#include "natdiagnosis.h"
#include "presentation.h"
#include "settingspanel.h"

#include <cmath>

namespace longline::app {

ConnectionNarrator::ConnectionNarrator(ChatClient *client, ConnectionBanner *banner,
                                       SettingsPanel *settings, Outputs outputs, QObject *parent)
    : QObject(parent), m_client(client), m_banner(banner), m_settings(settings),
      m_out(std::move(outputs))
{
    m_countdown.setInterval(CountdownTick);
    connect(&m_countdown, &QTimer::timeout, this, &ConnectionNarrator::updateCountdown);
    m_hideBanner.setSingleShot(true);
    connect(&m_hideBanner, &QTimer::timeout, m_banner, &QWidget::hide);
    m_unansweredTimer.setSingleShot(true);
    connect(&m_unansweredTimer, &QTimer::timeout, this, &ConnectionNarrator::onUnansweredTooLong);

    connect(client, &ChatClient::stateChanged, this, &ConnectionNarrator::onStateChanged);
    connect(client, &ChatClient::welcomed, this, &ConnectionNarrator::onWelcomed);
    connect(client, &ChatClient::connectionLost, this, &ConnectionNarrator::onConnectionLost);
    connect(client, &ChatClient::connectFailed, this, &ConnectionNarrator::onConnectFailed);
    connect(client, &ChatClient::reconnectScheduled, this,
            &ConnectionNarrator::onReconnectScheduled);
    connect(client, &ChatClient::serverError, this, &ConnectionNarrator::onServerError);
    connect(client, &ChatClient::tlsVerificationFailed, this,
            &ConnectionNarrator::onTlsVerificationFailed);
    connect(client, &ChatClient::messageAcknowledged, this, &ConnectionNarrator::onAcknowledged);
}

QString ConnectionNarrator::sentences(const QString &first, const QString &second)
{
    if (second.isEmpty())
        return first;
    // English puts a space between sentences, Chinese none after "。".
    return tr("%1 %2", "one sentence after another").arg(first, second);
}

void ConnectionNarrator::connecting(const QString &nick)
{
    m_userDisconnect = false;
    m_lostConnection = false;
    m_countdown.stop();
    m_banner->showMessage(ConnectionBanner::Severity::Info,
                          tr("Connecting to %1 as %2…").arg(endpoint(), nick));
    m_banner->setActions(false, false);
}

void ConnectionNarrator::userDisconnecting()
{
    m_userDisconnect = true;
    m_lostConnection = false;
    m_countdown.stop();
}

void ConnectionNarrator::sent(const QString &cid, Millis idle)
{
    if (!m_unansweredCid.isEmpty())
        return; // the oldest one tells
    m_unansweredCid = cid;
    m_idleBeforeUnanswered = idle;
    m_unansweredTimer.start(UnansweredNoticeDelay);
}

void ConnectionNarrator::onAcknowledged(const QString &cid)
{
    if (cid == m_unansweredCid) {
        m_unansweredCid.clear();
        m_unansweredTimer.stop();
    }
}

bool ConnectionNarrator::looksLikeNatDrop(Millis idle) const
{
    NatDropCheck check;
    check.idle = idle;
    check.natTimeout = std::chrono::seconds(m_settings->config().natTimeoutS);
    check.settings = m_settings->config().toSettings();
    if (const auto welcome = m_client->welcomeInfo(); welcome && welcome->heartbeatOn)
        check.peerHeartbeat = Millis{std::llround(welcome->heartbeatIntervalS * 1000.0)};
    return likelyNatDrop(check);
}

void ConnectionNarrator::onUnansweredTooLong()
{
    if (m_unansweredCid.isEmpty() || !looksLikeNatDrop(m_idleBeforeUnanswered))
        return;
    const QString title = tr("Your message has had no answer for %1")
                              .arg(Presentation::duration(UnansweredNoticeDelay));
    const QString detail = Presentation::natExplanation(
        m_idleBeforeUnanswered, std::chrono::seconds(m_settings->config().natTimeoutS));
    m_banner->showMessage(ConnectionBanner::Severity::Warning, title, detail);
    notice(ChatEntry::Level::Error, title + QStringLiteral(". ") + detail);
    log(tr("nat"), detail);
}

void ConnectionNarrator::onStateChanged(ChatClient::State state)
{
    switch (state) {
    case ChatClient::State::Online:
        m_countdown.stop();
        if (m_lostConnection) {
            const Millis offline = Millis{m_offlineClock.elapsed()} + m_silentBeforeLoss;
            m_banner->showMessage(
                ConnectionBanner::Severity::Success,
                tr("Reconnected to %1 after %2 offline")
                    .arg(endpoint(), Presentation::duration(offline)),
                tr("Missed messages are fetched from history; messages typed meanwhile are "
                   "being sent."));
            m_banner->setActions(false, false);
            m_hideBanner.start(SuccessBannerTime);
            notice(ChatEntry::Level::Good,
                   tr("Reconnected after %1 offline").arg(Presentation::duration(offline)));
            m_quietWelcome = true;
        } else {
            m_banner->hide();
        }
        m_lostConnection = false;
        break;
    case ChatClient::State::Connecting:
        m_hideBanner.stop();
        if (m_lostConnection) {
            m_countdown.stop();
            const QString reconnecting = Presentation::keepCountsTogether(
                tr("Reconnecting now (attempt %1)…").arg(m_client->reconnectAttempt()));
            m_banner->setDetail(m_lostDetail + QLatin1Char('\n') + reconnecting);
            if (!m_lostBriefTitle.isEmpty())
                m_banner->setBrief(m_lostBriefTitle, sentences(m_lostBrief, reconnecting));
        }
        break;
    case ChatClient::State::Handshaking:
        break;
    case ChatClient::State::Disconnected:
        m_countdown.stop();
        if (m_userDisconnect) {
            m_banner->showMessage(ConnectionBanner::Severity::Info,
                                  tr("Disconnected from %1").arg(endpoint()),
                                  tr("You closed the connection, so Longline does not reconnect. "
                                     "Press Ctrl+K to connect again."));
            m_banner->setActions(true, false);
            notice(ChatEntry::Level::Info, tr("You disconnected"));
        }
        break;
    case ChatClient::State::WaitingToReconnect:
        break;
    }
}

void ConnectionNarrator::onWelcomed(const protocol::WelcomeInfo &info)
{
    if (!m_quietWelcome)
        notice(ChatEntry::Level::Info,
               tr("Connected to %1 as %2 (%3)").arg(endpoint(), info.nick, info.server));
    m_quietWelcome = false;
}

void ConnectionNarrator::onConnectionLost(const DeathVerdict &verdict)
{
    // Offline time counts from the last sign of life before the first loss,
    // not from its detection nor from a failed retry.
    if (!m_lostConnection) {
        m_offlineClock.start();
        m_silentBeforeLoss = m_client->liveness() ? std::max(m_client->liveness()->sinceLastHeard(),
                                                             verdict.detection)
                                                  : verdict.detection;
    }
    m_lostConnection = true;
    m_lastVerdict = verdict;
    m_lostTitle =
        tr("Connection to %1 lost: %2").arg(endpoint(), Presentation::cause(verdict.cause));
    m_lostDetail =
        sentences(Presentation::causeExplanation(verdict.cause), Presentation::noticed(verdict));
    m_lostBriefTitle = tr("Connection lost: %1").arg(Presentation::cause(verdict.cause));
    m_lostBrief = Presentation::noticedBriefly(verdict);
    // In a student's words when the NAT idle timeout explains it: the
    // silence the gateway saw before the data that got no answer.
    if (verdict.isTimeout() || verdict.cause == DeathCause::ResetByPeer) {
        const LivenessSettings settings = m_settings->config().toSettings();
        Millis idle = verdict.detection;
        if (!m_unansweredCid.isEmpty())
            idle = m_idleBeforeUnanswered;
        else if (verdict.cause == DeathCause::HeartbeatTimeout)
            idle = settings.heartbeat.interval;
        else if (verdict.cause == DeathCause::KeepaliveTimeout)
            idle = std::chrono::seconds(settings.keepalive.idleS);
        if (looksLikeNatDrop(idle))
            m_lostDetail = sentences(
                m_lostDetail, Presentation::natExplanation(
                                  idle, std::chrono::seconds(m_settings->config().natTimeoutS)));
    }
    m_unansweredCid.clear();
    m_unansweredTimer.stop();
    m_banner->showMessage(ConnectionBanner::Severity::Error, m_lostTitle, m_lostDetail);
    m_banner->setBrief(m_lostBriefTitle, m_lostBrief);
    m_banner->setActions(true, false);
    m_hideBanner.stop();
    log(tr("dead"), Presentation::verdict(verdict));
    notice(ChatEntry::Level::Error, tr("Connection lost: %1").arg(Presentation::verdict(verdict)));
}

void ConnectionNarrator::onConnectFailed(const QString &error)
{
    log(tr("error"), tr("connect failed: %1").arg(error));
    if (m_lostConnection) {
        m_lostDetail = m_lostDetail.section(QLatin1Char('\n'), 0, 0) + QLatin1Char('\n') +
                       tr("Last attempt failed: %1").arg(error);
        return;
    }
    m_lostTitle = tr("Could not connect to %1").arg(endpoint());
    m_lostBriefTitle.clear(); // short enough as it is
    m_lostDetail = error;
    m_banner->showMessage(ConnectionBanner::Severity::Warning, m_lostTitle, m_lostDetail);
    m_banner->setActions(true, true);
}

void ConnectionNarrator::onReconnectScheduled(Millis delay, int attempt)
{
    m_retryDelay = delay;
    m_retryAttempt = attempt;
    m_retryClock.start();
    m_countdown.start();
    log(tr("reconnect"),
        tr("next attempt in %1 (attempt %2)").arg(Presentation::duration(delay)).arg(attempt));
    updateCountdown();
}

void ConnectionNarrator::updateCountdown()
{
    const qint64 left = m_retryDelay.count() - m_retryClock.elapsed();
    if (left <= 0) {
        m_countdown.stop();
        return;
    }
    const int seconds = int(std::ceil(left / 1000.0));
    const QString retrying = Presentation::keepCountsTogether(
        tr("Retrying in %n s (attempt %1)…", nullptr, seconds).arg(m_retryAttempt));
    m_banner->setDetail(m_lostDetail + QLatin1Char('\n') + retrying);
    if (!m_lostBriefTitle.isEmpty())
        m_banner->setBrief(m_lostBriefTitle, sentences(m_lostBrief, retrying));
    if (!m_banner->isVisible())
        m_banner->show();
}

void ConnectionNarrator::onServerError(int code, const QString &name, const QString &rawText,
                                       bool fatal)
{
    const QString text = protocol::sanitizeForDisplay(rawText);
    log(tr("error"), QStringLiteral("ERR %1 %2 %3").arg(code).arg(name, text));
    if (!fatal) {
        notice(ChatEntry::Level::Warning,
               tr("The server refused something: %1 %2 %3").arg(code).arg(name, text));
        return;
    }
    m_countdown.stop();
    m_lostConnection = false;
    const QString nick = m_client->nick();
    QString title;
    m_refusedField = ConnectDialog::Field::Nick;
    if (code == int(protocol::ErrorCode::NickTaken)) {
        title = tr("The nick “%1” is already taken on %2").arg(nick, endpoint());
        m_refusal = tr("Choose another nick.");
    } else if (code == int(protocol::ErrorCode::BadNick)) {
        title = tr("The server does not accept the nick “%1”").arg(nick);
        m_refusal = tr("Choose another nick.");
    } else if (code == int(protocol::ErrorCode::BadPassword)) {
        title = tr("%1 refused the password").arg(endpoint());
        m_refusal = tr("Enter the server's password.");
        m_refusedField = ConnectDialog::Field::Password;
    } else {
        title = tr("The server refused the connection");
        m_refusal.clear();
    }
    m_banner->showMessage(ConnectionBanner::Severity::Error, title,
                          sentences(tr("%1 %2: %3. Not retrying: this will not change by itself.")
                                        .arg(code)
                                        .arg(name, text),
                                    m_refusal));
    m_banner->setActions(false, true);
    notice(ChatEntry::Level::Error, title);
}

void ConnectionNarrator::onTlsVerificationFailed(const QStringList &errors,
                                                 const QString &fingerprint, const QString &subject)
{
    m_countdown.stop();
    m_lostConnection = false;
    m_pendingFingerprint = fingerprint;
    const QString title = tr("The certificate of %1 is not trusted").arg(endpoint());
    m_banner->showMessage(
        ConnectionBanner::Severity::Error, title,
        tr("%1\nSubject: %2\nSHA-256 fingerprint: %3\nNot retrying. Trust the certificate only "
           "if this fingerprint matches the one the server's operator gave you.")
            .arg(errors.join(QStringLiteral("; ")), subject, fingerprint));
    m_banner->setActions(false, false, true);
    log(tr("tls"), tr("certificate not trusted: %1").arg(fingerprint));
    notice(ChatEntry::Level::Error, title);
}

} // namespace longline::app
