#include "unreadalert.h"

#include <QApplication>
#include <QEvent>
#include <QSystemTrayIcon>
#include <QWidget>

namespace longline::app {

namespace {
// A notification shows the start of a long message only.
constexpr int NotificationChars = 200;
} // namespace

UnreadAlert::UnreadAlert(QWidget *window) : QObject(window), m_window(window)
{
    m_alert = [this](const QString &nick, const QString &text) { defaultAlert(nick, text); };
    window->installEventFilter(this);
}

void UnreadAlert::noteMessage(const QString &nick, const QString &text)
{
    if (m_window->isActiveWindow())
        return;
    setUnread(m_unread + 1);
    m_alert(nick, text);
}

void UnreadAlert::defaultAlert(const QString &nick, const QString &text)
{
    QApplication::alert(m_window);
    if (!QSystemTrayIcon::isSystemTrayAvailable() || !QSystemTrayIcon::supportsMessages())
        return;
    if (!m_tray) {
        m_tray = new QSystemTrayIcon(m_window->windowIcon(), this);
        m_tray->setToolTip(m_window->windowTitle());
        connect(m_tray, &QSystemTrayIcon::messageClicked, m_window, [this] {
            m_window->showNormal();
            m_window->raise();
            m_window->activateWindow();
        });
        m_tray->show();
    }
    m_tray->showMessage(nick, text.left(NotificationChars), QSystemTrayIcon::Information,
                        NotificationMs);
}

bool UnreadAlert::eventFilter(QObject *watched, QEvent *event)
{
    if (watched == m_window && event->type() == QEvent::WindowActivate)
        setUnread(0);
    return false;
}

void UnreadAlert::setUnread(int count)
{
    if (count == m_unread)
        return;
    m_unread = count;
    Q_EMIT unreadChanged(count);
}

} // namespace longline::app
