#pragma once
// The desktop client's window: the conversation with a connection banner
// above and the input line below; beside it one side panel whose pages are
// the members, the connection's instruments and the liveness settings; the
// health line in the status bar. Presents ChatClient and ConnectionLiveness
// signals; holds no connection logic of its own.

#include "adaptivekeepwarm.h"
#include "chatclient.h"
#include "connectdialog.h"
#include "helpdialog.h"
#include "inputassist.h"
#include "livenessconfig.h"
#include "settingsstore.h"
#include "sidepanel.h"

#include <QElapsedTimer>
#include <QMainWindow>
#include <QTimer>
#include <optional>

class QAction;
class QLabel;
class QLineEdit;
class QListView;
class QPushButton;
class QSplitter;

namespace longline::app {

class ChatLogModel;
class ChatSearch;
class ChatView;
class ConnectionBanner;
class ConnectionNarrator;
class EventLogModel;
class HealthLine;
class KeepWarmController;
class MemberListFooter;
class MemberListModel;
class SettingsPanel;
class StatusPanel;
class TimelineModel;
class UnreadAlert;

class MainWindow : public QMainWindow
{
    Q_OBJECT
public:
    // Kernel sampling while the status pane is visible: a live view.
    static constexpr Millis LiveSamplePeriod{250};
    // The conversation never gets narrower than this (pixels): a line of
    // chat stays readable beside the side panel.
    static constexpr int MinimumChatWidth = 400;

    explicit MainWindow(SettingsStore *store, QWidget *parent = nullptr);
    ~MainWindow() override;

    // Connects to `profile` (remembered for next time).
    void connectTo(const ConnectionProfile &profile);
    // Opens the connect dialog; `message` explains why it is asked again,
    // and `focus` is the field to change then.
    void showConnectDialog(const QString &message = {},
                           ConnectDialog::Field focus = ConnectDialog::Field::Nick);
    void setLargeFont(bool on);
    // Sends the text as if typed into the input line and Enter pressed.
    void sendText(const QString &text);
    // Shows `config` in the settings panel and applies it, as if chosen there.
    void applyLivenessConfig(const LivenessConfig &config);

    ChatClient *client() const { return m_client; }
    ChatLogModel *chatModel() const { return m_chat; }
    ChatSearch *search() const { return m_search; }
    ConnectionBanner *banner() const { return m_banner; }
    // The verdict on the last connection lost, as the banner tells it.
    std::optional<DeathVerdict> lastVerdict() const;
    SettingsPanel *settingsPanel() const { return m_settingsPanel; }
    StatusPanel *statusPanel() const { return m_statusPanel; }
    TimelineModel *timeline() const { return m_timeline; }
    EventLogModel *eventLog() const { return m_log; }
    QLineEdit *input() const { return m_input; }
    QListView *memberList() const { return m_members; }
    MemberListModel *memberModel() const { return m_memberModel; }
    MemberListFooter *memberFooter() const { return m_memberFooter; }
    SidePanel *sidePanel() const { return m_side; }
    HealthLine *healthLine() const { return m_health; }
    QWidget *chatColumn() const { return m_chatColumn; }
    AdaptiveKeepWarm *adaptiveKeepWarm() const;
    UnreadAlert *unreadAlert() const { return m_unreadAlert; }

protected:
    void closeEvent(QCloseEvent *event) override;
    bool eventFilter(QObject *watched, QEvent *event) override;
    void changeEvent(QEvent *event) override;
    void resizeEvent(QResizeEvent *event) override;

private:
    void buildActions();
    void buildUi();
    QAction *pageToggle(SidePanel::Page page, const QString &text, const QKeySequence &key);
    void wireClient();
    void retitle();
    void showHelp(HelpDialog::Page page);
    void updateActions();
    void updateSampling();
    QString endpoint() const;

    void onInputReturn();
    void onDisconnectAction();
    void onStateChanged(ChatClient::State state);
    void onWelcomed(const protocol::WelcomeInfo &info);
    void onLivenessDead(const DeathVerdict &verdict);
    void trustPendingCertificate();
    void onOptionsApplied(const SocketOptionsReport &report);
    void onKernelSampled(const KernelSocketView &view);
    void onConfigChanged(const LivenessConfig &config);
    void onOnlineChanged(const QStringList &nicks);
    void onMemberCountChanged(int count);
    void updateStatusBar();
    void notice(int level, const QString &text, const QDateTime &time = {});
    void log(const QString &kind, const QString &text);

    SettingsStore *m_store;
    ChatClient *m_client;
    KeepWarmController *m_keepWarm = nullptr; // "Measure this path", adaptive mode
    ChatLogModel *m_chat;
    TimelineModel *m_timeline;
    EventLogModel *m_log;

    ConnectionBanner *m_banner = nullptr;
    ConnectionNarrator *m_narrator = nullptr; // what the banner says, and when
    ChatView *m_chatView = nullptr;
    ChatSearch *m_search = nullptr;
    QLineEdit *m_input = nullptr;
    QPushButton *m_send = nullptr;
    QListView *m_members = nullptr;
    MemberListModel *m_memberModel = nullptr;
    MemberListFooter *m_memberFooter = nullptr; // "Showing 100 of 19,500 people."
    SettingsPanel *m_settingsPanel = nullptr;
    StatusPanel *m_statusPanel = nullptr;
    QWidget *m_chatColumn = nullptr;
    SidePanel *m_side = nullptr;
    QSplitter *m_splitter = nullptr;
    HealthLine *m_health = nullptr;
    UnreadAlert *m_unreadAlert = nullptr;
    QLabel *m_whoLabel = nullptr;

    QAction *m_connectAction = nullptr;
    QAction *m_disconnectAction = nullptr;
    QAction *m_largeFontAction = nullptr;
    QAction *m_quitAction = nullptr;

    QFont m_baseFont;
    ConnectionProfile m_profile;
    InputHistory m_inputHistory;
    NickCompleter m_completer;
};

} // namespace longline::app
