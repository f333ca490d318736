#pragma once
// A coloured strip above the conversation that says what happened to the
// connection: lost (why, how fast against the budget, when the next retry
// is), refused for good (nick taken), reconnected, or closed by the user.

#include <QColor>
#include <QFrame>

class QLabel;
class QPushButton;
class QToolButton;

namespace longline::app {

class ConnectionBanner : public QFrame
{
    Q_OBJECT
public:
    enum class Severity
    {
        Info,
        Success,
        Warning,
        Error
    };
    Q_ENUM(Severity)

    explicit ConnectionBanner(QWidget *parent = nullptr);

    // A new message; it has no brief form until setBrief.
    void showMessage(Severity severity, const QString &title, const QString &detail = {});
    void setDetail(const QString &detail);
    // The message in a headline and one line, shown instead of the full one
    // while compact (presentation mode: the chat keeps its room); the full
    // message is then the tooltip.
    void setBrief(const QString &title, const QString &line);
    void setCompact(bool compact);
    bool isCompact() const { return m_compact; }
    // What the banner shows now (brief or full), for tests.
    QString shownText() const;
    // Which buttons the current message offers.
    void setActions(bool reconnectNow, bool changeNick, bool trustCertificate = false);

    Severity severity() const { return m_severity; }
    QString title() const;
    QString detail() const;
    QString text() const { return title() + QLatin1Char('\n') + detail(); }

Q_SIGNALS:
    void reconnectNowRequested();
    void changeNickRequested();
    void trustCertificateRequested();

protected:
    void paintEvent(QPaintEvent *event) override;

private:
    // The glyph beside the title, larger than the text.
    static constexpr double IconScale = 1.5;
    static constexpr qreal CornerRadius = 4;
    void applyStyle();
    void showText();

    QColor m_background;
    QColor m_border;

    Severity m_severity = Severity::Info;
    QString m_fullTitle;
    QString m_fullDetail;
    QString m_briefTitle; // empty: no brief form
    QString m_briefLine;
    bool m_compact = false;
    QLabel *m_icon;
    QLabel *m_title;
    QLabel *m_detail;
    QPushButton *m_reconnect;
    QPushButton *m_changeNick;
    QPushButton *m_trust;
    QToolButton *m_close;
};

} // namespace longline::app
