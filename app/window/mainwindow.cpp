#include "mainwindow.h"

#include "pathmeasurementbox.h"

#include "budgetreport.h"
#include "chatlogmodel.h"
#include "chatsearch.h"
#include "chatview.h"
#include "connectdialog.h"
#include "connectionbanner.h"
#include "connectionnarrator.h"
#include "eventlogmodel.h"
#include "healthline.h"
#include "heartbeatmonitor.h"
#include "helpdialog.h"
#include "keepwarmcontroller.h"
#include "memberlistfooter.h"
#include "memberlistmodel.h"
#include "natdiagnosis.h"
#include "presentation.h"
#include "settingspanel.h"
#include "statuspanel.h"
#include "timelinemodel.h"
#include "unreadalert.h"

#include <QAction>
#include <QApplication>
#include <QCloseEvent>
#include <QFileDialog>
#include <QHBoxLayout>
#include <QKeyEvent>
#include <QLabel>
#include <QLineEdit>
#include <QListView>
#include <QLocale>
#include <QMenuBar>
#include <QMessageBox>
#include <QPushButton>
#include <QScrollBar>
#include <QSplitter>
#include <QStatusBar>
#include <QToolBar>
#include <QVBoxLayout>
#include <cmath>

namespace longline::app {

namespace {
// Bytes of a SAYID line besides the text: command, client id, spaces, "\n".
constexpr int SayIdOverhead = 6 + 64 + 2;
} // namespace

MainWindow::MainWindow(SettingsStore *store, QWidget *parent)
    : QMainWindow(parent), m_store(store), m_client(new ChatClient(this)),
      m_chat(new ChatLogModel(this)), m_timeline(new TimelineModel(this)),
      m_log(new EventLogModel(this))
{
    m_baseFont = QApplication::font();
    m_profile = store->connection();
    m_client->setInitialHistory(50);
    m_client->setLivenessSettings(store->liveness().toSettings());

    buildActions();
    buildUi();
    m_narrator = new ConnectionNarrator(
        m_client, m_banner, m_settingsPanel,
        {[this](ChatEntry::Level level, const QString &text) { notice(int(level), text); },
         [this](const QString &kind, const QString &text) { log(kind, text); },
         [this] { return endpoint(); }},
        this);
    wireClient();
    m_keepWarm = new KeepWarmController(m_client, m_store, m_settingsPanel, m_log, this);
    connect(m_keepWarm, &KeepWarmController::restoreRequested, this,
            &MainWindow::applyLivenessConfig);
    connect(m_keepWarm, &KeepWarmController::applied, this, &MainWindow::updateStatusBar);

    m_settingsPanel->setConfig(store->liveness());

    resize(1280, 820);
    restoreGeometry(store->windowGeometry());
    // The splitter's sizes; the side panel starts on the member list.
    m_splitter->restoreState(store->windowState());
    setLargeFont(store->largeFont());
    onOnlineChanged({});
    retitle();
    updateActions();
    updateStatusBar();
    updateSampling();
    m_input->setFocus();
}

MainWindow::~MainWindow()
{
    // Children die after this destructor has run: their last signals
    // (socket teardown, panels hiding) must not reach this half-gone window.
    const auto children = findChildren<QObject *>();
    for (QObject *child : children)
        disconnect(child, nullptr, this, nullptr);
}

void MainWindow::buildActions()
{
    m_connectAction = new QAction(tr("&Connect…"), this);
    m_connectAction->setShortcut(QKeySequence(Qt::CTRL | Qt::Key_K));
    m_connectAction->setIconText(tr("Connect")); // toolbar: no accelerator, no ellipsis
    m_connectAction->setToolTip(tr("Choose a server and a nick (Ctrl+K)"));
    connect(m_connectAction, &QAction::triggered, this, [this] { showConnectDialog(); });

    m_disconnectAction = new QAction(tr("&Disconnect"), this);
    m_disconnectAction->setShortcut(QKeySequence(Qt::CTRL | Qt::Key_D));
    m_disconnectAction->setIconText(tr("Disconnect"));
    m_disconnectAction->setToolTip(tr("Leave the server; no automatic reconnect (Ctrl+D)"));
    connect(m_disconnectAction, &QAction::triggered, this, &MainWindow::onDisconnectAction);

    m_largeFontAction = new QAction(tr("&Larger Text"), this);
    m_largeFontAction->setCheckable(true);
    m_largeFontAction->setShortcut(QKeySequence(Qt::CTRL | Qt::SHIFT | Qt::Key_L));
    m_largeFontAction->setToolTip(tr("Text readable on a classroom projector"));
    connect(m_largeFontAction, &QAction::toggled, this, &MainWindow::setLargeFont);

    m_quitAction = new QAction(tr("&Quit"), this);
    addActions({m_connectAction, m_disconnectAction, m_largeFontAction, m_quitAction});
    m_quitAction->setShortcut(QKeySequence(Qt::CTRL | Qt::Key_Q));
    m_quitAction->setMenuRole(QAction::QuitRole);
    connect(m_quitAction, &QAction::triggered, this, &QWidget::close);
}

void MainWindow::buildUi()
{
    setWindowIcon(QIcon(QStringLiteral(":/icons/longline.png")));

    // Centre: banner, conversation, input.
    auto *central = new QWidget(this);
    auto *layout = new QVBoxLayout(central);
    layout->setContentsMargins(6, 6, 6, 6);
    m_banner = new ConnectionBanner(central);
    m_chatView = new ChatView(central);
    m_chatView->setObjectName(QStringLiteral("chatView"));
    m_chatView->setChatModel(m_chat);
    connect(m_chatView, &ChatView::olderWanted, this, [this] {
        const qint64 oldest = m_chat->oldestSeq();
        if (!m_chat->startOfHistoryShown() && oldest > 1)
            m_client->requestOlder(oldest);
    });
    m_input = new QLineEdit(central);
    m_input->setObjectName(QStringLiteral("messageInput"));
    m_input->setPlaceholderText(tr("Type a message and press Enter"));
    m_input->setClearButtonEnabled(true);
    m_input->setAccessibleName(tr("Message"));
    m_send = new QPushButton(tr("&Send"), central);
    auto *inputRow = new QHBoxLayout;
    inputRow->addWidget(m_input, 1);
    inputRow->addWidget(m_send);
    layout->addWidget(m_banner);
    layout->addWidget(m_chatView, 1);
    m_search = new ChatSearch(m_chatView, central);
    connect(m_search, &ChatSearch::closed, m_input, qOverload<>(&QWidget::setFocus));
    layout->addWidget(m_search);
    layout->addLayout(inputRow);
    connect(m_input, &QLineEdit::returnPressed, this, &MainWindow::onInputReturn);
    m_input->installEventFilter(this);
    connect(m_send, &QPushButton::clicked, this, &MainWindow::onInputReturn);
    connect(m_banner, &ConnectionBanner::reconnectNowRequested, this,
            [this] { connectTo(m_profile); });
    connect(m_banner, &ConnectionBanner::changeNickRequested, this,
            [this] { showConnectDialog(m_narrator->refusal(), m_narrator->refusedField()); });
    connect(m_banner, &ConnectionBanner::trustCertificateRequested, this,
            &MainWindow::trustPendingCertificate);

    // The side panel: members, the connection's instruments, the settings.
    m_members = new QListView(this);
    m_memberModel = new MemberListModel(this);
    m_memberModel->setPalette(m_members->palette());
    m_members->setModel(m_memberModel);
    m_members->setUniformItemSizes(true); // large rooms: no per-row layout
    m_members->setObjectName(QStringLiteral("memberList"));
    m_members->setAccessibleName(tr("People online"));
    m_memberFooter = new MemberListFooter;
    auto *membersPage = new QWidget;
    membersPage->setObjectName(QStringLiteral("membersPage"));
    auto *membersLayout = new QVBoxLayout(membersPage);
    membersLayout->setContentsMargins(0, 0, 0, 0);
    membersLayout->setSpacing(0);
    membersLayout->addWidget(m_members, 1);
    membersLayout->addWidget(m_memberFooter);
    m_statusPanel = new StatusPanel(m_timeline, m_log);
    m_statusPanel->setObjectName(QStringLiteral("statusPanel"));
    m_settingsPanel = new SettingsPanel;
    m_settingsPanel->setObjectName(QStringLiteral("settingsPanel"));
    m_side = new SidePanel(membersPage, m_statusPanel, m_settingsPanel);
    m_side->setPageTitle(SidePanel::Page::Members, tr("Online"));
    m_side->setPageTitle(SidePanel::Page::Connection, tr("Connection Status"));
    m_side->setPageTitle(SidePanel::Page::Settings, tr("Liveness Settings"));

    m_splitter = new QSplitter(Qt::Horizontal, this);
    m_splitter->setObjectName(QStringLiteral("mainSplitter"));
    m_splitter->setChildrenCollapsible(false);
    m_splitter->addWidget(central);
    m_splitter->addWidget(m_side);
    // A wider window widens the chat; the panel starts at its size hint,
    // which on a large screen is a share of the window (SidePanel).
    m_splitter->setStretchFactor(0, 1);
    m_splitter->setStretchFactor(1, 0);
    m_chatColumn = central;
    m_chatColumn->setMinimumWidth(MinimumChatWidth);
    setCentralWidget(m_splitter);
    connect(m_settingsPanel, &SettingsPanel::configChanged, this, &MainWindow::onConfigChanged);
    connect(m_side, &SidePanel::pageShown, this, &MainWindow::updateSampling);

    QAction *membersToggle =
        pageToggle(SidePanel::Page::Members, tr("&Members"), QKeySequence(Qt::CTRL | Qt::Key_M));
    membersToggle->setIconText(tr("Members"));
    QAction *settingsToggle = pageToggle(SidePanel::Page::Settings, tr("Liveness &Settings"),
                                         QKeySequence(Qt::CTRL | Qt::Key_Comma));
    settingsToggle->setIconText(tr("Settings"));
    QAction *statusToggle = pageToggle(SidePanel::Page::Connection, tr("Connection S&tatus"),
                                       QKeySequence(Qt::CTRL | Qt::Key_I));
    statusToggle->setIconText(tr("Status"));

    // Menus.
    QMenu *connMenu = menuBar()->addMenu(tr("&Connection"));
    connMenu->addAction(m_connectAction);
    connMenu->addAction(m_disconnectAction);
    connMenu->addSeparator();
    connMenu->addAction(tr("Save Event &Log as CSV…"), this, [this] {
        const QString path = QFileDialog::getSaveFileName(this, tr("Save event log"),
                                                          QStringLiteral("longline-events.csv"),
                                                          tr("CSV files (*.csv);;All files (*)"));
        QString error;
        if (!path.isEmpty() && !m_log->saveCsv(path, &error))
            QMessageBox::warning(this, tr("Save event log"),
                                 tr("Could not save %1: %2").arg(path, error));
    });
    connMenu->addSeparator();
    connMenu->addAction(m_quitAction);

    QMenu *viewMenu = menuBar()->addMenu(tr("&View"));
    viewMenu->addAction(membersToggle);
    viewMenu->addAction(settingsToggle);
    viewMenu->addAction(statusToggle);
    viewMenu->addSeparator();
    viewMenu->addAction(m_largeFontAction);
    viewMenu->addAction(tr("Clear &Conversation"), m_chat, &ChatLogModel::clear);
    QAction *find = viewMenu->addAction(tr("&Find in Conversation…"), m_search, &ChatSearch::open);
    find->setShortcut(QKeySequence::Find);
    addAction(find);

    QMenu *helpMenu = menuBar()->addMenu(tr("&Help"));
    QAction *guide =
        helpMenu->addAction(tr("&User Guide"), this, [this] { showHelp(HelpDialog::Page::Guide); });
    guide->setShortcut(QKeySequence::HelpContents);
    addAction(guide);
    helpMenu->addAction(tr("&Keyboard Shortcuts"), this,
                        [this] { showHelp(HelpDialog::Page::Shortcuts); });
    helpMenu->addAction(tr("What the &Settings Mean"), this,
                        [this] { showHelp(HelpDialog::Page::Settings); });
    helpMenu->addSeparator();
    helpMenu->addAction(tr("&About Longline"), this, [this] {
        QMessageBox::about(
            this, tr("About Longline"),
            tr("<h3>Longline %1</h3><p>A chat that shows how long-lived TCP connections "
               "live and die: NAT timeouts, TCP keepalive, TCP_USER_TIMEOUT and application "
               "heartbeats.</p>")
                .arg(QStringLiteral(LONGLINE_VERSION)));
    });

    // Toolbar.
    QToolBar *bar = addToolBar(tr("Main"));
    bar->setObjectName(QStringLiteral("mainToolBar"));
    bar->setMovable(false);
    bar->setToolButtonStyle(Qt::ToolButtonTextOnly);
    bar->addAction(m_connectAction);
    bar->addAction(m_disconnectAction);
    bar->addSeparator();
    bar->addAction(settingsToggle);
    bar->addAction(statusToggle);
    bar->addAction(membersToggle);
    auto *spacer = new QWidget(bar);
    spacer->setSizePolicy(QSizePolicy::Expanding, QSizePolicy::Preferred);
    bar->addWidget(spacer);
    m_whoLabel = new QLabel(bar);
    m_whoLabel->setContentsMargins(0, 0, 8, 0);
    bar->addWidget(m_whoLabel);

    m_unreadAlert = new UnreadAlert(this);
    connect(m_unreadAlert, &UnreadAlert::unreadChanged, this, &MainWindow::retitle);

    // Status bar: the health line, always in view.
    m_health = new HealthLine(m_client, this);
    statusBar()->addWidget(m_health, 1);
}

void MainWindow::showHelp(HelpDialog::Page page)
{
    // Not modal: the guide can stay open beside the chat.
    auto *dialog = new HelpDialog(page, this);
    dialog->setAttribute(Qt::WA_DeleteOnClose);
    dialog->show();
}

QAction *MainWindow::pageToggle(SidePanel::Page page, const QString &text, const QKeySequence &key)
{
    // The window owns the action so its shortcut works wherever the focus
    // is; checked while the panel shows its page.
    auto *action = new QAction(text, this);
    action->setCheckable(true);
    action->setShortcut(key);
    addAction(action);
    connect(action, &QAction::triggered, this, [this, page] {
        m_side->togglePage(page);
        // Closing the panel gives the keyboard back to the conversation,
        // with whatever was typed still in the input line.
        if (m_side->isHidden())
            m_input->setFocus();
    });
    auto sync = [this, action, page] { action->setChecked(m_side->isShowing(page)); };
    connect(m_side, &SidePanel::pageShown, action, sync);
    sync();
    return action;
}

bool MainWindow::eventFilter(QObject *watched, QEvent *event)
{
    // QLineEdit claims Ctrl+K (delete to end of line) and friends on X11;
    // the window's shortcuts win in the input line.
    // Up and Down walk the lines sent before; Tab completes a nick.
    if (watched == m_input && event->type() == QEvent::KeyPress) {
        const auto *key = static_cast<QKeyEvent *>(event);
        if (key->modifiers() == Qt::NoModifier) {
            if (key->key() == Qt::Key_Tab) {
                if (const auto done = m_completer.complete(
                        m_input->text(), m_input->cursorPosition(), m_client->online())) {
                    m_input->setText(done->text);
                    m_input->setCursorPosition(done->cursor);
                }
                return true; // Tab completes here, never moves the focus away
            }
            m_completer.reset();
            if (key->key() == Qt::Key_Up) {
                if (const auto line = m_inputHistory.older(m_input->text()))
                    m_input->setText(*line);
                return true;
            }
            if (key->key() == Qt::Key_Down) {
                if (const auto line = m_inputHistory.newer())
                    m_input->setText(*line);
                return true;
            }
        } else {
            m_completer.reset();
        }
    }
    if (watched == m_input && event->type() == QEvent::ShortcutOverride) {
        const auto *key = static_cast<QKeyEvent *>(event);
        const QKeySequence pressed(key->keyCombination());
        for (const QAction *a : actions()) {
            if (a->shortcut() == pressed) {
                event->ignore();
                return true;
            }
        }
    }
    return QMainWindow::eventFilter(watched, event);
}

void MainWindow::wireClient()
{
    ChatClient *c = m_client;
    connect(c, &ChatClient::stateChanged, this, &MainWindow::onStateChanged);
    connect(c, &ChatClient::welcomed, this, &MainWindow::onWelcomed);
    connect(c, &ChatClient::messageReceived, this,
            [this](const protocol::ChatMessage &m, bool fromHistory) {
                m_chat->addMessage(m, fromHistory, m_client->nick());
                if (!fromHistory && m.nick != m_client->nick())
                    m_unreadAlert->noteMessage(m.nick, protocol::sanitizeForDisplay(m.text));
            });
    // Scroll-back: at the top of the conversation, the page before it.
    connect(c, &ChatClient::olderMessagesReceived, this,
            [this](const QList<protocol::ChatMessage> &page, bool atStart) {
                m_chat->addOlder(page, m_client->nick());
                if (atStart)
                    m_chat->markStartOfHistory();
            });
    connect(c, &ChatClient::messageQueued, this, [this](const QString &cid, const QString &text) {
        m_chat->addOwnQueued(cid, m_client->nick(), text, QDateTime::currentDateTime());
    });
    connect(c, &ChatClient::messageAcknowledged, m_chat, &ChatLogModel::acknowledge);
    connect(c, &ChatClient::userJoined, this, [this](const QDateTime &time, const QString &nick) {
        notice(int(ChatEntry::Level::Join), tr("%1 joined").arg(nick), time);
    });
    connect(c, &ChatClient::userLeft, this,
            [this](const QDateTime &time, const QString &nick, const QString &reason) {
                notice(int(ChatEntry::Level::Leave),
                       reason.isEmpty() ? tr("%1 left").arg(nick)
                                        : tr("%1 left (%2)").arg(nick, reason),
                       time);
            });
    connect(c, &ChatClient::onlineChanged, this, &MainWindow::onOnlineChanged);
    connect(c, &ChatClient::memberAdded, m_memberModel, &MemberListModel::add);
    connect(c, &ChatClient::memberRemoved, m_memberModel, &MemberListModel::remove);
    // The room's size: the list's, or the server's count in a room too
    // large to list at once (then the footer says how much is listed).
    connect(c, &ChatClient::memberCountChanged, this,
            [this] { m_memberModel->setRoomSize(m_client->roomCount()); });
    connect(m_memberModel, &MemberListModel::memberCountChanged, this,
            &MainWindow::onMemberCountChanged);
    connect(m_memberFooter, &MemberListFooter::moreRequested, this,
            [this] { m_client->requestMoreWho(); });
    connect(c, &ChatClient::serverBye, this, [this](const QString &reason) {
        notice(int(ChatEntry::Level::Warning), tr("The server said goodbye: %1").arg(reason));
        log(tr("server"), tr("BYE %1").arg(reason));
    });
    connect(c, &ChatClient::protocolViolation, this, [this](const QString &reason) {
        // The client drops the connection and reconnects; say why.
        notice(int(ChatEntry::Level::Error),
               tr("Disconnected: the server %1. Reconnecting.").arg(reason));
    });
    connect(c, &ChatClient::reconnectScheduled, this,
            [this](Millis, int attempt) { m_statusPanel->setReconnectAttempt(attempt); });
    connect(c, &ChatClient::encrypted, this, [this](const QString &summary) {
        log(tr("tls"), summary);
        m_statusPanel->setEncryption(summary);
    });
    connect(c, &ChatClient::logEvent, this, [this](const QString &text) {
        // The main events are logged below in the user's language; the
        // client's own lines add the rarer diagnostics.
        static const char *const covered[] = {"connecting to", "connection lost", "reconnecting in",
                                              "disconnected"};
        for (const char *prefix : covered) {
            if (text.startsWith(QLatin1String(prefix)))
                return;
        }
        log(tr("client"), text);
    });

    // One liveness object serves every connection of the client.
    ConnectionLiveness *l = c->liveness();
    m_statusPanel->setLiveness(l);
    connect(l, &ConnectionLiveness::optionsApplied, this, &MainWindow::onOptionsApplied);
    connect(l, &ConnectionLiveness::pingSent, this,
            [this](const QString &token) { m_timeline->notePingSent(monotonicNow(), token); });
    connect(l, &ConnectionLiveness::rttMeasured, this, [this](Millis rtt) {
        m_timeline->noteRtt(monotonicNow(), rtt);
        m_statusPanel->refreshLive();
        updateStatusBar();
    });
    connect(l, &ConnectionLiveness::kernelSampled, this, &MainWindow::onKernelSampled);
    connect(l, &ConnectionLiveness::dead, this, &MainWindow::onLivenessDead);

    connect(m_timeline, &TimelineModel::probeAnswered, this,
            [this] { log(tr("kernel"), tr("keepalive probe answered")); });
    connect(m_timeline, &TimelineModel::probeUnanswered, this, [this](int n) {
        log(tr("kernel"), tr("%n keepalive probe(s) unanswered", nullptr, n));
    });
}

QString MainWindow::endpoint() const
{
    const QString host = m_client->host().isEmpty() ? m_profile.host : m_client->host();
    const quint16 port = m_client->host().isEmpty() ? m_profile.port : m_client->port();
    return host.contains(QLatin1Char(':')) ? QStringLiteral("[%1]:%2").arg(host).arg(port)
                                           : QStringLiteral("%1:%2").arg(host).arg(port);
}

void MainWindow::connectTo(const ConnectionProfile &profile)
{
    const bool otherServer = profile.host != m_client->host() || profile.port != m_client->port();
    m_profile = profile;
    m_store->setConnection(profile);
    if (otherServer && m_chat->rowCount() > 0)
        m_chat->clear(); // sequence numbers and history belong to one server
    m_narrator->connecting(profile.nick);
    m_client->setLivenessSettings(m_settingsPanel->config().toSettings());
    m_client->setTls({profile.tls, QString(), profile.pinnedSha256});
    m_client->setPassword(profile.password);
    m_settingsPanel->pathMeasurement()->setTarget(IdleTimeoutProber::Target{
        profile.host, profile.port, {profile.tls, QString(), profile.pinnedSha256}});
    m_statusPanel->setEncryption(QString());
    m_client->connectToServer(profile.host, profile.port, profile.nick);
    retitle();
}

void MainWindow::showConnectDialog(const QString &message, ConnectDialog::Field focus)
{
    ConnectionProfile initial = m_profile;
    if (initial.nick.isEmpty())
        initial.nick = qEnvironmentVariable("USER");
    ConnectDialog dialog(initial, this);
    dialog.setSavedServers(m_store->savedServers());
    dialog.setMessage(message);
    if (!message.isEmpty())
        dialog.focusField(focus);
    if (dialog.exec() == QDialog::Accepted)
        connectTo(dialog.profile());
}

void MainWindow::setLargeFont(bool on)
{
    QFont f = m_baseFont;
    if (on)
        f.setPointSizeF(m_baseFont.pointSizeF() * 1.5);
    QApplication::setFont(f);
    // The class reads the banner's headline; the rest waits in its tooltip.
    m_banner->setCompact(on);
    m_store->setLargeFont(on);
    if (m_largeFontAction->isChecked() != on)
        m_largeFontAction->setChecked(on);
}

void MainWindow::sendText(const QString &text)
{
    m_input->setText(text);
    onInputReturn();
}

void MainWindow::applyLivenessConfig(const LivenessConfig &config)
{
    m_settingsPanel->setConfig(config);
    onConfigChanged(config);
}

void MainWindow::onInputReturn()
{
    const QString text = m_input->text();
    if (text.trimmed().isEmpty())
        return;
    if (text.trimmed() == QLatin1String("/who")) {
        m_client->requestWho();
        m_input->clear();
        return;
    }
    if (text.startsWith(QLatin1String("/quit"))) {
        m_input->clear();
        onDisconnectAction();
        return;
    }
    if (m_client->host().isEmpty()) {
        showConnectDialog(tr("Connect to a server first; your message stays in the input line."));
        return;
    }
    if (const auto welcome = m_client->welcomeInfo(); welcome && welcome->maxLine > 0) {
        const int limit = welcome->maxLine - SayIdOverhead;
        const qsizetype bytes = text.toUtf8().size();
        if (bytes > limit) {
            statusBar()->showMessage(
                tr("The message is too long: %1 bytes, the server takes %2.").arg(bytes).arg(limit),
                5000);
            return;
        }
    }
    const bool online = m_client->state() == ChatClient::State::Online && m_client->liveness();
    const Millis idle = online ? m_client->liveness()->silence() : Millis{0};
    m_inputHistory.add(text);
    const QString cid = m_client->send(text);
    if (online && !cid.isEmpty())
        m_narrator->sent(cid, idle);
    m_input->clear();
}

void MainWindow::onDisconnectAction()
{
    if (m_client->state() == ChatClient::State::Disconnected)
        return;
    m_narrator->userDisconnecting();
    m_client->disconnectFromServer(tr("bye"));
}

std::optional<DeathVerdict> MainWindow::lastVerdict() const
{
    return m_narrator->lastVerdict();
}

void MainWindow::onStateChanged(ChatClient::State state)
{
    log(tr("state"), state == ChatClient::State::Connecting
                         ? tr("%1 to %2").arg(Presentation::state(state), endpoint())
                         : Presentation::state(state));
    m_statusPanel->setConnectionState(state, m_client->host().isEmpty() ? QString() : endpoint());
    m_statusPanel->setReconnectAttempt(m_client->reconnectAttempt());
    if (state == ChatClient::State::Online) {
        if (!m_client->isEncrypted())
            m_statusPanel->setEncryption(QString());
        m_timeline->noteConnected(monotonicNow());
    } else if (state == ChatClient::State::Disconnected) {
        onOnlineChanged({});
    }
    retitle();
    updateActions();
    updateStatusBar();
}

void MainWindow::onWelcomed(const protocol::WelcomeInfo &info)
{
    log(tr("server"), tr("welcome: %1, heartbeat %2, minimum ping interval %3 s")
                          .arg(info.server, info.heartbeatOn ? QStringLiteral("%1,%2")
                                                                   .arg(info.heartbeatIntervalS)
                                                                   .arg(info.heartbeatTimeoutS)
                                                             : tr("off"))
                          .arg(info.minPingS));
    m_settingsPanel->setServerMinPing(Millis{std::llround(info.minPingS * 1000.0)});
    m_client->requestWho();
}

void MainWindow::trustPendingCertificate()
{
    const QString fingerprint = m_narrator->pendingFingerprint();
    if (fingerprint.isEmpty())
        return;
    const auto answer = QMessageBox::question(
        this, tr("Trust this certificate?"),
        tr("Connect to %1 and trust its certificate from now on?\n\nSHA-256 fingerprint:\n%2")
            .arg(endpoint(), fingerprint));
    if (answer != QMessageBox::Yes)
        return;
    m_profile.pinnedSha256 = fingerprint;
    m_narrator->clearPendingFingerprint();
    connectTo(m_profile);
}

void MainWindow::onLivenessDead(const DeathVerdict &verdict)
{
    const Millis now = monotonicNow();
    m_timeline->noteDead(now, verdict, now - m_client->liveness()->sinceLastHeard());
    if (!verdict.isFailure())
        log(tr("closed"), Presentation::verdict(verdict)); // failures: onConnectionLost
    m_statusPanel->refreshLive();
}

void MainWindow::onOptionsApplied(const SocketOptionsReport &report)
{
    m_settingsPanel->setEffective(report);
    QString text = report.effective.valid ? report.effective.describe() : tr("socket not queried");
    if (!report.ok())
        text += QStringLiteral(" (") + report.errors.join(QStringLiteral("; ")) + QLatin1Char(')');
    log(tr("options"), text);
}

void MainWindow::onKernelSampled(const KernelSocketView &view)
{
    m_timeline->noteKernelSample(monotonicNow(), view);
    m_statusPanel->showKernelView(view);
    updateStatusBar();
}

void MainWindow::onConfigChanged(const LivenessConfig &config)
{
    m_store->setLiveness(config);
    // Takes effect on the open connection at once: ConnectionLiveness
    // re-applies the socket options and switches the heartbeat.
    m_client->setLivenessSettings(config.toSettings());
    log(tr("settings"), BudgetReport::analyze(config).headline());
    if (m_client->state() != ChatClient::State::Online &&
        m_client->state() != ChatClient::State::Handshaking)
        m_settingsPanel->setEffective(std::nullopt);
    updateStatusBar();
}

void MainWindow::onOnlineChanged(const QStringList &nicks)
{
    m_memberModel->setOwnNick(m_client->nick());
    m_memberModel->setRoomSize(m_client->roomCount());
    m_memberModel->reset(nicks);
}

void MainWindow::onMemberCountChanged(int count)
{
    m_side->setPageTitle(SidePanel::Page::Members,
                         count > 0 ? tr("Online (%1)").arg(QLocale().toString(count))
                                   : tr("Online"));
    m_memberFooter->setCounts(m_memberModel->listedCount(), count);
}

void MainWindow::notice(int level, const QString &text, const QDateTime &time)
{
    m_chat->addNotice(time.isValid() ? time : QDateTime::currentDateTime(),
                      static_cast<ChatEntry::Level>(level), text);
}

AdaptiveKeepWarm *MainWindow::adaptiveKeepWarm() const
{
    return m_keepWarm->adaptive();
}

void MainWindow::log(const QString &kind, const QString &text)
{
    m_log->add(kind, text);
}

void MainWindow::retitle()
{
    if (m_client->host().isEmpty()) {
        setWindowTitle(tr("Longline"));
        m_whoLabel->setText(tr("not connected"));
        return;
    }
    const QString who = tr("%1 @ %2").arg(m_client->nick(), endpoint());
    const int unread = m_unreadAlert->unread();
    // The count first: a taskbar entry shows the start of the title.
    setWindowTitle(unread > 0 ? tr("(%1) Longline — %2").arg(unread).arg(who)
                              : tr("Longline — %1").arg(who));
    m_whoLabel->setText(who);
}

void MainWindow::updateActions()
{
    m_disconnectAction->setEnabled(m_client->state() != ChatClient::State::Disconnected);
}

void MainWindow::updateSampling()
{
    // Live kernel numbers cost a netlink round trip per sample: only while
    // someone looks at them.
    if (m_side->isShowing(SidePanel::Page::Connection))
        m_client->liveness()->setKernelSampling(LiveSamplePeriod, true);
    else
        m_client->liveness()->setKernelSampling(ConnectionLiveness::DefaultSamplePeriod, false);
}

void MainWindow::updateStatusBar()
{
    m_health->refresh();
}

void MainWindow::closeEvent(QCloseEvent *event)
{
    m_store->setWindow(saveGeometry(), m_splitter->saveState());
    // The user's own settings, not what adaptive mode chose for a network.
    m_store->setLiveness(m_store->adaptiveKeepWarm() ? m_store->liveness()
                                                     : m_settingsPanel->config());
    m_store->sync();
    if (m_client->state() == ChatClient::State::Online) {
        m_narrator->userDisconnecting();
        m_client->disconnectFromServer(tr("closed the window"));
        m_client->socket()->flush();
    }
    event->accept();
}

void MainWindow::changeEvent(QEvent *event)
{
    QMainWindow::changeEvent(event);
}

void MainWindow::resizeEvent(QResizeEvent *event)
{
    // However the splitter was dragged, the conversation keeps the larger
    // share of the window.
    m_side->setMaximumWidth(
        std::max(m_side->minimumSizeHint().width(), int(width() * SidePanel::MaxWindowShare)));
    QMainWindow::resizeEvent(event);
}

} // namespace longline::app
