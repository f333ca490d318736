#pragma once
// Tells the user what happens to the connection, in the banner above the
// chat and in the conversation: connecting; lost, with the verdict and,
// when the NAT idle timeout explains it, why in a student's words; the
// reconnect countdown; reconnected after how long offline; refused by the
// server; an untrusted certificate; the user's own disconnect; and a
// message that waits too long for its ACK after a silence a gateway may
// have punished. Fed by ChatClient's signals; the window only places it
// and hands it the user's own actions.

#include "chatclient.h"
#include "chatlogmodel.h" // ChatEntry::Level
#include "connectdialog.h"

#include <QElapsedTimer>
#include <QObject>
#include <QTimer>
#include <functional>
#include <optional>

namespace longline::app {

class ConnectionBanner;
class SettingsPanel;

class ConnectionNarrator : public QObject
{
    Q_OBJECT
public:
    // How often the reconnect countdown in the banner is redrawn.
    static constexpr Millis CountdownTick{250};
    // How long "Reconnected after ..." stays before the banner hides.
    static constexpr Millis SuccessBannerTime{8000};
    // A message that waits this long for its ACK after a long silence is
    // reported as stuck (a loopback or LAN round trip is far shorter).
    static constexpr Millis UnansweredNoticeDelay{3000};

    // Where the narration goes besides the banner.
    struct Outputs
    {
        std::function<void(ChatEntry::Level, const QString &)> notice;     // the conversation
        std::function<void(const QString &kind, const QString &text)> log; // the event log
        std::function<QString()> endpoint; // "host:port" of the server
    };

    ConnectionNarrator(ChatClient *client, ConnectionBanner *banner, SettingsPanel *settings,
                       Outputs outputs, QObject *parent = nullptr);

    // The user's own actions, which the client's signals cannot tell apart.
    void connecting(const QString &nick);
    void userDisconnecting();
    // A message just sent after `idle` of silence: watched for its ACK.
    void sent(const QString &cid, Millis idle);

    std::optional<DeathVerdict> lastVerdict() const { return m_lastVerdict; }
    // After a refusal: what the user must change, and in which field.
    QString refusal() const { return m_refusal; }
    ConnectDialog::Field refusedField() const { return m_refusedField; }
    // The certificate the user may choose to trust after a TLS refusal.
    QString pendingFingerprint() const { return m_pendingFingerprint; }
    void clearPendingFingerprint() { m_pendingFingerprint.clear(); }

private:
    void onStateChanged(ChatClient::State state);
    void onWelcomed(const protocol::WelcomeInfo &info);
    void onConnectionLost(const DeathVerdict &verdict);
    void onConnectFailed(const QString &error);
    void onReconnectScheduled(Millis delay, int attempt);
    void updateCountdown();
    void onServerError(int code, const QString &name, const QString &text, bool fatal);
    void onTlsVerificationFailed(const QStringList &errors, const QString &fingerprint,
                                 const QString &subject);
    void onAcknowledged(const QString &cid);
    void onUnansweredTooLong();
    bool looksLikeNatDrop(Millis idle) const;
    static QString sentences(const QString &first, const QString &second);
    void notice(ChatEntry::Level level, const QString &text) { m_out.notice(level, text); }
    void log(const QString &kind, const QString &text) { m_out.log(kind, text); }
    QString endpoint() const { return m_out.endpoint(); }

    ChatClient *m_client;
    ConnectionBanner *m_banner;
    SettingsPanel *m_settings;
    Outputs m_out;

    QTimer m_countdown;
    QTimer m_hideBanner;
    QElapsedTimer m_retryClock; // started when a retry was scheduled
    Millis m_retryDelay{0};
    int m_retryAttempt = 0;
    QString m_lostTitle; // banner title kept during the countdown
    QString m_lostDetail;
    QString m_lostBriefTitle; // the same for the compact banner
    QString m_lostBrief;
    QString m_refusal; // what the user must change after a refusal
    ConnectDialog::Field m_refusedField = ConnectDialog::Field::Nick; // ... in which field
    QString m_pendingFingerprint;  // of a certificate the user may choose to trust
    QElapsedTimer m_offlineClock;  // since the connection was lost
    Millis m_silentBeforeLoss{0};  // how long nothing had come before that
    bool m_lostConnection = false; // a failure happened and no WELCOME since
    bool m_userDisconnect = false; // the user asked to disconnect
    bool m_quietWelcome = false;   // "reconnected" already said it
    std::optional<DeathVerdict> m_lastVerdict;
    // The oldest message of this connection still without ACK, and the
    // silence before it was sent (what a NAT gateway would have seen).
    QString m_unansweredCid;
    Millis m_idleBeforeUnanswered{0};
    QTimer m_unansweredTimer;
};

} // namespace longline::app
