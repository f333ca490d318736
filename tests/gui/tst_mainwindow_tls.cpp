// TLS in the real desktop window, as a user meets it: the real server with
// a self-signed certificate (made here by openssl) and a password file. The
// connect dialog is filled in and the banner's buttons clicked; modal
// questions are answered as they appear. Checks the trust-on-first-use flow
// (fingerprint shown, trusted, pinned, remembered), liveness settings on
// the socket under TLS with heartbeats inside it, and a wrong password
// refused once, clearly, without a retry loop.

#include "../support/ciskip.h"
#include "../support/systemtools.h"
#include "chatlogmodel.h"
#include "connectdialog.h"
#include "connectionbanner.h"
#include "guitestsupport.h"
#include "mainwindow.h"
#include "presentation.h"
#include "settingspanel.h"
#include "settingsstore.h"
#include "socketoptions.h"
#include "statuspanel.h"
#include "timelinemodel.h"

#include <QApplication>
#include <QCheckBox>
#include <QDoubleSpinBox>
#include <QElapsedTimer>
#include <QFile>
#include <QLabel>
#include <QLineEdit>
#include <QMessageBox>
#include <QPixmap>
#include <QProcess>
#include <QPushButton>
#include <QRadioButton>
#include <QRegularExpression>
#include <QSignalSpy>
#include <QSpinBox>
#include <QSslSocket>
#include <QTemporaryDir>
#include <QTest>
#include <QTimer>
#include <functional>
#include <memory>

using namespace longline;
using namespace longline::app;
using namespace longline::guitest;
using namespace std::chrono_literals;

namespace {
constexpr int ConnectMs = 8000; // TLS handshake with RSA 2048 on a loaded CI machine
// How long a modal dialog may take to appear before the test gives up on it.
constexpr auto ModalWaitMs = 5000;
// The shortest reconnect backoff is 0.8 s (1 s - 20 %): a retry loop would
// show well within this.
constexpr int NoRetryWaitMs = 2500;
const QString RightPassword = QStringLiteral("correct horse battery");

// Calls `answer` with the next modal dialog of type T once it shows. The
// window opens its dialogs with exec(), which blocks the caller: the answer
// runs inside that nested event loop. `seen` tells the test it happened.
template <typename T> void whenModal(std::function<void(T *)> answer, bool *seen)
{
    *seen = false;
    auto *poll = new QTimer;
    auto *clock = new QElapsedTimer;
    clock->start();
    poll->setInterval(20);
    QObject::connect(poll, &QTimer::timeout, [poll, clock, answer, seen] {
        auto *dialog = qobject_cast<T *>(QApplication::activeModalWidget());
        const bool ready = dialog && dialog->isVisible();
        if (!ready && clock->elapsed() < ModalWaitMs)
            return;
        poll->stop();
        poll->deleteLater();
        delete clock;
        if (ready) {
            *seen = true;
            answer(dialog);
        }
    });
    poll->start();
}

// The window with a settings file the test chooses, never the user's.
struct Window
{
    std::unique_ptr<SettingsStore> store;
    std::unique_ptr<MainWindow> window;
    explicit Window(const QString &settingsFile)
    {
        store = std::make_unique<SettingsStore>(settingsFile);
        window = std::make_unique<MainWindow>(store.get());
        window->show();
    }
    MainWindow *operator->() const { return window.get(); }
    bool online() const { return window->client()->state() == ChatClient::State::Online; }
};

QAction *actionWithShortcut(QWidget *w, const QKeySequence &key)
{
    for (QAction *a : w->actions()) {
        if (a->shortcut() == key)
            return a;
    }
    return nullptr;
}

QPushButton *bannerButton(ConnectionBanner *banner, const QString &text)
{
    for (auto *b : banner->findChildren<QPushButton *>()) {
        if (b->text().remove(QLatin1Char('&')).contains(text))
            return b;
    }
    return nullptr;
}

// Space on a focused check or radio box, as a keyboard user would. (A
// mouse click at the widget's centre can miss: the box spans its layout
// cell, but only the indicator and label take clicks.)
void toggleWithKeyboard(QAbstractButton *button)
{
    button->setFocus();
    QTest::keyClick(button, Qt::Key_Space);
}

// What the user types into the connect dialog; empty nick/host = keep.
struct DialogInput
{
    quint16 port = 0;
    QString nick;
    QString password;
    bool tls = true;
};

// What the connect dialog showed when it opened.
struct DialogSeen
{
    QString message;              // the explanation above the fields
    QString focused;              // object name of the field with the focus
    bool focusedSelected = false; // its text selected: typing replaces it
};

// Fills in an open connect dialog as a user would and presses Connect.
// Returns false (and cancels) when a field is missing.
bool fillConnectDialog(ConnectDialog *d, const DialogInput &in, DialogSeen *seen)
{
    auto *host = d->findChild<QLineEdit *>(QStringLiteral("host"));
    auto *port = d->findChild<QSpinBox *>(QStringLiteral("port"));
    auto *nick = d->findChild<QLineEdit *>(QStringLiteral("nick"));
    auto *password = d->findChild<QLineEdit *>(QStringLiteral("password"));
    auto *tls = d->findChild<QCheckBox *>(QStringLiteral("tls"));
    auto *connectButton = d->findChild<QPushButton *>(QStringLiteral("connectButton"));
    auto *label = d->findChild<QLabel *>(QStringLiteral("message"));
    if (!host || !port || !nick || !password || !tls || !connectButton || !label) {
        d->reject();
        return false;
    }
    if (seen) {
        seen->message = label->isVisible() ? label->text() : QString();
        if (QWidget *f = d->focusWidget()) {
            seen->focused = f->objectName();
            auto *edit = qobject_cast<QLineEdit *>(f);
            seen->focusedSelected = edit && edit->selectedText() == edit->text();
        }
    }
    host->clear();
    QTest::keyClicks(host, QStringLiteral("127.0.0.1"));
    if (in.port != 0)
        port->setValue(in.port);
    if (!in.nick.isEmpty()) {
        nick->clear();
        QTest::keyClicks(nick, in.nick);
    }
    password->clear();
    QTest::keyClicks(password, in.password);
    if (tls->isChecked() != in.tls)
        toggleWithKeyboard(tls);
    if (!connectButton->isEnabled() || tls->isChecked() != in.tls) {
        d->reject();
        return false;
    }
    QTest::mouseClick(connectButton, Qt::LeftButton);
    return true;
}

// Opens the connect dialog with Ctrl+K's action and fills it in.
bool connectWithDialog(MainWindow *w, const DialogInput &in, DialogSeen *dialogSeen = nullptr)
{
    QAction *connectAction = actionWithShortcut(w, QKeySequence(Qt::CTRL | Qt::Key_K));
    if (!connectAction)
        return false;
    bool seen = false;
    bool filled = false;
    whenModal<ConnectDialog>(
        [&](ConnectDialog *d) { filled = fillConnectDialog(d, in, dialogSeen); }, &seen);
    connectAction->trigger(); // returns when the dialog closed
    return seen && filled;
}

QString fingerprintIn(const QString &serverLog)
{
    static const QRegularExpression re(QStringLiteral("cert_sha256=([0-9A-F:]+)"));
    return re.match(serverLog).captured(1);
}
} // namespace

#define REQUIRE_SERVER()                                                                           \
    do {                                                                                           \
        if (Server::binary().isEmpty())                                                            \
            LONGLINE_SKIP_UNLESS_CI("LONGLINE_SERVER_BIN is not set: run through ctest");          \
    } while (false)

class TestMainWindowTls : public QObject
{
    Q_OBJECT
    QTemporaryDir m_dir;
    QString m_cert, m_key, m_passwordFile;

    QStringList serverArgs() const
    {
        return {QStringLiteral("--tls-cert"),      m_cert,
                QStringLiteral("--tls-key"),       m_key,
                QStringLiteral("--password-file"), m_passwordFile};
    }
    QString settingsFile(const QString &name) const
    {
        return m_dir.filePath(name + QStringLiteral(".ini"));
    }
    // A settings file as left by a user who trusted `fingerprint` before.
    QString settingsTrusting(const QString &name, quint16 port, const QString &fingerprint) const
    {
        const QString file = settingsFile(name);
        SettingsStore store(file);
        ConnectionProfile p(QStringLiteral("127.0.0.1"), port, name);
        p.tls = true;
        p.pinnedSha256 = fingerprint;
        store.setConnection(p);
        store.sync();
        return file;
    }

private Q_SLOTS:
    void initTestCase()
    {
        REQUIRE_SERVER();
        if (!QSslSocket::supportsSsl())
            QFAIL("Qt has no TLS backend: install libssl3");
        QVERIFY(m_dir.isValid());
        QString error;
        QVERIFY2(longline::test::makeSelfSignedCertificate(m_dir.path(), &m_cert, &m_key, &error),
                 qPrintable(error));
        m_passwordFile = m_dir.filePath(QStringLiteral("password"));
        QFile pw(m_passwordFile);
        QVERIFY(pw.open(QIODevice::WriteOnly));
        pw.write(RightPassword.toUtf8() + '\n');
    }

    void trustOnFirstUseThenPinnedAndRemembered()
    {
        Server server;
        QVERIFY(server.start(serverArgs()));
        QVERIFY(server.log().contains(QLatin1String("tls=1")));
        const QString fingerprint = fingerprintIn(server.log());
        QVERIFY2(fingerprint.size() == 32 * 3 - 1, qPrintable(server.log()));
        const QString settings = settingsFile(QStringLiteral("alice"));

        auto w = std::make_unique<Window>(settings);
        QSignalSpy retries((*w)->client(), &ChatClient::reconnectScheduled);
        QSignalSpy untrusted((*w)->client(), &ChatClient::tlsVerificationFailed);
        QVERIFY(connectWithDialog(w->window.get(),
                                  {server.port(), QStringLiteral("alice"), RightPassword, true}));

        // The banner says the certificate is not trusted and names it.
        ConnectionBanner *banner = (*w)->banner();
        QTRY_COMPARE_WITH_TIMEOUT(untrusted.size(), 1, ConnectMs);
        QVERIFY(banner->isVisible());
        QCOMPARE(banner->severity(), ConnectionBanner::Severity::Error);
        QVERIFY2(banner->title().contains(QLatin1String("not trusted")),
                 qPrintable(banner->text()));
        QVERIFY2(banner->detail().contains(fingerprint), qPrintable(banner->text()));
        QCOMPARE((*w)->client()->state(), ChatClient::State::Disconnected);
        QVERIFY(!server.log().contains(QLatin1String(" hello ")));
        QPushButton *trust = bannerButton(banner, QStringLiteral("Trust this certificate"));
        QVERIFY(trust && trust->isVisible());

        // Trusting asks once more, showing the same fingerprint; "Yes".
        QString question;
        bool asked = false;
        whenModal<QMessageBox>(
            [&](QMessageBox *box) {
                question = box->text();
                QTest::mouseClick(box->button(QMessageBox::Yes), Qt::LeftButton);
            },
            &asked);
        QTest::mouseClick(trust, Qt::LeftButton);
        QVERIFY(asked);
        QVERIFY2(question.contains(fingerprint), qPrintable(question));

        // Reconnected with the pin and the password: online, encrypted.
        QTRY_VERIFY_WITH_TIMEOUT(w->online(), ConnectMs);
        QCOMPARE(untrusted.size(), 1);
        QVERIFY(!banner->isVisible());
        QVERIFY((*w)->client()->isEncrypted());
        const QString encryption = (*w)->statusPanel()->valueText(QStringLiteral("encryption"));
        QVERIFY2(encryption.startsWith(QLatin1String("TLS 1.")) &&
                     encryption.contains(QLatin1String(", ")),
                 qPrintable(encryption));
        QCOMPARE(encryption, (*w)->client()->encryptionSummary());
        QVERIFY(server.log().contains(
            QRegularExpression(QStringLiteral(" hello .*nick=alice .*tls=1"))));

        // A message typed and sent is acknowledged (✓).
        QTest::keyClicks((*w)->input(), QStringLiteral("over TLS"));
        QTest::keyClick((*w)->input(), Qt::Key_Return);
        ChatLogModel *chat = (*w)->chatModel();
        QCOMPARE(chat->countMessagesWithText(QStringLiteral("over TLS")), 1);
        const int own = chat->rowCount() - 1;
        QCOMPARE(chat->entry(own).text, QStringLiteral("over TLS"));
        QTRY_COMPARE_WITH_TIMEOUT(chat->entry(own).delivery, ChatEntry::Delivery::Sent, ConnectMs);
        QVERIFY(chat->entry(own).seq >= 0);
        QCOMPARE(retries.size(), 0);

        // The pin is in the settings file; the password is not.
        w->store->sync();
        {
            SettingsStore saved(settings);
            QCOMPARE(saved.connection().pinnedSha256, fingerprint);
            QVERIFY(saved.connection().tls);
        }
        QFile ini(settings);
        QVERIFY(ini.open(QIODevice::ReadOnly));
        QVERIFY(!ini.readAll().contains(RightPassword.toUtf8()));
        ini.close();

        // Closing the window leaves the server; wait until it saw that, so
        // the nick is free again.
        w->window->close();
        w.reset();
        QTRY_VERIFY_WITH_TIMEOUT(
            server.log().contains(QRegularExpression(QStringLiteral(" disconnect .*nick=alice"))),
            ConnectMs);

        // A new window with the same settings: the dialog offers the saved
        // server with TLS; the user types the password; no banner.
        Window again(settings);
        QSignalSpy untrustedAgain(again->client(), &ChatClient::tlsVerificationFailed);
        QSignalSpy encrypted(again->client(), &ChatClient::encrypted);
        QVERIFY(connectWithDialog(again.window.get(), {0, {}, RightPassword, true}));
        QCOMPARE(again->client()->port(), server.port());
        QCOMPARE(again->client()->nick(), QStringLiteral("alice"));
        QTRY_VERIFY_WITH_TIMEOUT(again.online(), ConnectMs);
        QCOMPARE(untrustedAgain.size(), 0);
        QCOMPARE(encrypted.size(), 1);
        QVERIFY(!again->banner()->isVisible());
        QVERIFY(again->statusPanel()
                    ->valueText(QStringLiteral("encryption"))
                    .startsWith(QLatin1String("TLS 1.")));
    }

    void livenessSettingsApplyUnderTls()
    {
        Server server;
        // The window pings every 0.5 s; the server allows it.
        QVERIFY(server.start(
            serverArgs() + QStringList{QStringLiteral("--min-client-ping"), QStringLiteral("0")}));
        const QString fingerprint = fingerprintIn(server.log());
        QVERIFY(!fingerprint.isEmpty());
        Window w(settingsTrusting(QStringLiteral("carol"), server.port(), fingerprint));
        QVERIFY(connectWithDialog(w.window.get(), {0, {}, RightPassword, true}));
        QTRY_VERIFY_WITH_TIMEOUT(w.online(), ConnectMs);
        QVERIFY(w->client()->isEncrypted());
        QTcpSocket *socket = w->client()->socket();
        const qintptr fd = socket->socketDescriptor();
        QVERIFY(fd >= 0);

        // The user opens the settings panel (Ctrl+,) and picks keepalive.
        QAction *settingsToggle =
            actionWithShortcut(w.window.get(), QKeySequence(Qt::CTRL | Qt::Key_Comma));
        QVERIFY(settingsToggle);
        settingsToggle->trigger();
        QTRY_VERIFY(w->sidePanel()->isShowing(SidePanel::Page::Settings));
        SettingsPanel *panel = w->settingsPanel();
        auto *keepalive = panel->findChild<QRadioButton *>(QStringLiteral("mode_keepalive"));
        auto *both = panel->findChild<QRadioButton *>(QStringLiteral("mode_both"));
        auto *idle = panel->findChild<QSpinBox *>(QStringLiteral("keepaliveIdle"));
        auto *interval = panel->findChild<QSpinBox *>(QStringLiteral("keepaliveInterval"));
        auto *count = panel->findChild<QSpinBox *>(QStringLiteral("keepaliveCount"));
        auto *userTimeout = panel->findChild<QSpinBox *>(QStringLiteral("userTimeout"));
        auto *hbInterval = panel->findChild<QDoubleSpinBox *>(QStringLiteral("heartbeatInterval"));
        auto *hbTimeout = panel->findChild<QDoubleSpinBox *>(QStringLiteral("heartbeatTimeout"));
        QVERIFY(keepalive && both && idle && interval && count && userTimeout && hbInterval &&
                hbTimeout);
        toggleWithKeyboard(keepalive);
        QVERIFY(keepalive->isChecked());
        idle->setValue(7);
        interval->setValue(3);
        count->setValue(4);
        userTimeout->setValue(2500);

        // At once, on the TCP socket under TLS, without a reconnect.
        QCOMPARE(socket->socketDescriptor(), fd);
        EffectiveSocketOptions eff = readSocketOptions(fd);
        QVERIFY(eff.valid);
        QVERIFY(eff.keepaliveOn);
        QCOMPARE(eff.idleS, 7);
        QCOMPARE(eff.intervalS, 3);
        QCOMPARE(eff.count, 4);
        QCOMPARE(eff.userTimeoutMs, 2500);
        QVERIFY2(panel->effectiveText().contains(QLatin1String("7,3,4")),
                 qPrintable(panel->effectiveText()));

        // Heartbeats on as well: PING/PONG round trips inside TLS, shown
        // in the status pane.
        toggleWithKeyboard(both);
        QVERIFY(both->isChecked());
        hbInterval->setValue(0.5);
        hbTimeout->setValue(1.0);
        QVERIFY(w->client()->liveness()->settings().heartbeat.enabled);
        QVERIFY(readSocketOptions(fd).keepaliveOn);
        // The user turns to the connection page of the side panel.
        w->sidePanel()->showPage(SidePanel::Page::Connection);
        QTRY_VERIFY_WITH_TIMEOUT(w->client()->liveness()->rtt().total >= 2, 4000);
        QTRY_VERIFY2_WITH_TIMEOUT(
            w->statusPanel()
                ->valueText(QStringLiteral("rttLast"))
                .contains(QLatin1String("samples:")),
            qPrintable(w->statusPanel()->valueText(QStringLiteral("rttLast"))), 2000);
        QVERIFY(w->timeline()->count(TimelineEvent::Type::Ping) >= 2);
        // On request, a picture of the status pane over TLS (for the docs).
        if (const QString dir = qEnvironmentVariable("LONGLINE_SCREENSHOT_DIR"); !dir.isEmpty()) {
            w->statusPanel()->refreshLive();
            QVERIFY(w->statusPanel()->grab().save(dir + QStringLiteral("/status-tls.png")));
        }
        // Still the same encrypted connection.
        QVERIFY(w.online());
        QCOMPARE(socket->socketDescriptor(), fd);
        QVERIFY(w->client()->isEncrypted());
        QVERIFY(w->statusPanel()
                    ->valueText(QStringLiteral("encryption"))
                    .startsWith(QLatin1String("TLS 1.")));
    }

    void wrongPasswordIsRefusedOnce()
    {
        Server server;
        QVERIFY(server.start(serverArgs()));
        const QString fingerprint = fingerprintIn(server.log());
        QVERIFY(!fingerprint.isEmpty());
        Window w(settingsTrusting(QStringLiteral("dave"), server.port(), fingerprint));
        QSignalSpy retries(w->client(), &ChatClient::reconnectScheduled);
        QSignalSpy errors(w->client(), &ChatClient::serverError);
        QSignalSpy lost(w->client(), &ChatClient::connectionLost);
        QVERIFY(connectWithDialog(w.window.get(), {0, {}, QStringLiteral("wrong guess"), true}));

        QTRY_COMPARE_WITH_TIMEOUT(errors.size(), 1, ConnectMs);
        QCOMPARE(errors.first().at(0).toInt(), int(protocol::ErrorCode::BadPassword));
        QVERIFY(errors.first().at(3).toBool()); // fatal
        ConnectionBanner *banner = w->banner();
        QVERIFY(banner->isVisible());
        QCOMPARE(banner->severity(), ConnectionBanner::Severity::Error);
        QVERIFY2(banner->title().contains(QLatin1String("refused the password")),
                 qPrintable(banner->text()));
        QVERIFY2(banner->detail().contains(QLatin1String("BAD_PASSWORD")),
                 qPrintable(banner->text()));
        QVERIFY2(banner->detail().contains(QLatin1String("Not retrying")),
                 qPrintable(banner->text()));
        QTRY_VERIFY_WITH_TIMEOUT(server.log().contains(QLatin1String(" auth_failed ")), ConnectMs);

        // No retry: nothing scheduled, one connection at the server.
        QTest::qWait(NoRetryWaitMs);
        QCOMPARE(retries.size(), 0);
        QCOMPARE(lost.size(), 0);
        QCOMPARE(w->client()->state(), ChatClient::State::Disconnected);
        QCOMPARE(server.log().count(QRegularExpression(QStringLiteral(" connect id="))), 1);
        QCOMPARE(errors.size(), 1);
        QVERIFY(banner->isVisible());
        QVERIFY(banner->title().contains(QLatin1String("refused the password")));

        // "Edit Connection…" asks for the password again; the right one works.
        QPushButton *edit = bannerButton(banner, QStringLiteral("Edit Connection"));
        QVERIFY(edit && edit->isVisible());
        DialogSeen asked;
        bool seen = false;
        whenModal<ConnectDialog>(
            [&](ConnectDialog *d) {
                (void)fillConnectDialog(d, {0, {}, RightPassword, true}, &asked);
            },
            &seen);
        QTest::mouseClick(edit, Qt::LeftButton);
        QVERIFY(seen);
        QVERIFY2(asked.message.contains(QLatin1String("password")), qPrintable(asked.message));
        // Focus on the password, not the nick: what the user types next
        // must not overwrite the nick.
        QCOMPARE(asked.focused, QStringLiteral("password"));
        QVERIFY(asked.focusedSelected);
        QTRY_VERIFY_WITH_TIMEOUT(w.online(), ConnectMs);
        QVERIFY(w->client()->isEncrypted());
        QCOMPARE(retries.size(), 0);
    }
};

QTEST_MAIN(TestMainWindowTls)
#include "tst_mainwindow_tls.moc"
