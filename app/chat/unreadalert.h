#pragma once
// Tells the user about messages that arrive while they are elsewhere: a
// count for the window title, the taskbar's attention hint, and a desktop
// notification through the system tray where there is one. Cleared when
// the window is active again.

#include <QObject>
#include <functional>

class QSystemTrayIcon;
class QWidget;

namespace longline::app {

class UnreadAlert : public QObject
{
    Q_OBJECT
public:
    // How the user is alerted; the default asks the taskbar for attention
    // (QApplication::alert) and shows a tray notification when possible.
    // Tests put their own here.
    using Alert = std::function<void(const QString &nick, const QString &text)>;
    // How long a tray notification stays.
    static constexpr int NotificationMs = 5000;

    explicit UnreadAlert(QWidget *window);

    void setAlert(Alert alert) { m_alert = std::move(alert); }
    // A message from someone else arrived (not history, not one's own).
    void noteMessage(const QString &nick, const QString &text);
    int unread() const { return m_unread; }

Q_SIGNALS:
    void unreadChanged(int count);

protected:
    bool eventFilter(QObject *watched, QEvent *event) override;

private:
    void defaultAlert(const QString &nick, const QString &text);
    void setUnread(int count);

    QWidget *m_window;
    Alert m_alert;
    QSystemTrayIcon *m_tray = nullptr; // made on the first notification
    int m_unread = 0;
};

} // namespace longline::app
