#include "labelstyle.h"

#include <QApplication>
#include <QEvent>
#include <QWidget>

namespace longline::app {

namespace {
class FontFollower : public QObject
{
public:
    FontFollower(QWidget *widget, double scale, bool bold)
        : QObject(widget), m_widget(widget), m_scale(scale), m_bold(bold)
    {
        // Only windows and the application get ApplicationFontChange, not
        // every widget: the follower listens to the application.
        qApp->installEventFilter(this);
        apply();
    }

    bool eventFilter(QObject *watched, QEvent *event) override
    {
        if (watched == qApp && event->type() == QEvent::ApplicationFontChange)
            apply();
        return false;
    }

private:
    void apply()
    {
        QFont f = QApplication::font(m_widget);
        f.setPointSizeF(f.pointSizeF() * m_scale);
        f.setBold(m_bold);
        m_widget->setFont(f);
    }

    QWidget *m_widget;
    double m_scale;
    bool m_bold;
};
} // namespace

QColor toneColor(Tone tone)
{
    switch (tone) {
    case Tone::Normal:
        return QApplication::palette().color(QPalette::WindowText);
    case Tone::Muted:
        return QApplication::palette().color(QPalette::PlaceholderText);
    case Tone::Good:
        return QColor(0x1b, 0x5e, 0x20);
    case Tone::Caution:
        return QColor(0xa3, 0x52, 0x00);
    case Tone::Bad:
        return QColor(0xc6, 0x28, 0x28);
    }
    return {};
}

void setTone(QWidget *widget, Tone tone)
{
    QPalette p; // no role set: everything else stays inherited
    if (tone != Tone::Normal)
        p.setColor(QPalette::WindowText, toneColor(tone));
    widget->setPalette(p);
}

void setBold(QWidget *widget, bool bold)
{
    QFont f; // only the weight is set: the size stays inherited
    if (bold)
        f.setBold(true);
    widget->setFont(f);
}

void followApplicationFont(QWidget *widget, double scale, bool bold)
{
    new FontFollower(widget, scale, bold);
}

} // namespace longline::app
