#include "connectionbanner.h"

#include "labelstyle.h"

#include <QHBoxLayout>
#include <QLabel>
#include <QPainter>
#include <QPushButton>
#include <QToolButton>
#include <QVBoxLayout>

namespace longline::app {

ConnectionBanner::ConnectionBanner(QWidget *parent) : QFrame(parent)
{
    setObjectName(QStringLiteral("connectionBanner"));
    m_icon = new QLabel(this);
    m_title = new QLabel(this);
    m_title->setObjectName(QStringLiteral("bannerTitle"));
    m_title->setWordWrap(true);
    m_title->setTextFormat(Qt::PlainText);
    setBold(m_title, true);
    followApplicationFont(m_icon, IconScale, false);
    m_detail = new QLabel(this);
    m_detail->setObjectName(QStringLiteral("bannerDetail"));
    m_detail->setWordWrap(true);
    m_detail->setTextFormat(Qt::PlainText);
    m_detail->setTextInteractionFlags(Qt::TextSelectableByMouse);
    m_reconnect = new QPushButton(tr("Reconnect &now"), this);
    m_changeNick = new QPushButton(tr("&Edit Connection…"), this);
    m_trust = new QPushButton(tr("Trust this certi&ficate…"), this);
    m_close = new QToolButton(this);
    m_close->setText(QStringLiteral("✕"));
    m_close->setAutoRaise(true);
    m_close->setToolTip(tr("Hide this message"));

    auto *text = new QVBoxLayout;
    text->setSpacing(2);
    text->addWidget(m_title);
    text->addWidget(m_detail);
    auto *row = new QHBoxLayout(this);
    row->setContentsMargins(10, 6, 6, 6);
    row->addWidget(m_icon, 0, Qt::AlignTop);
    row->addLayout(text, 1);
    row->addWidget(m_reconnect, 0, Qt::AlignVCenter);
    row->addWidget(m_changeNick, 0, Qt::AlignVCenter);
    row->addWidget(m_trust, 0, Qt::AlignVCenter);
    row->addWidget(m_close, 0, Qt::AlignTop);

    connect(m_reconnect, &QPushButton::clicked, this, &ConnectionBanner::reconnectNowRequested);
    connect(m_changeNick, &QPushButton::clicked, this, &ConnectionBanner::changeNickRequested);
    connect(m_trust, &QPushButton::clicked, this, &ConnectionBanner::trustCertificateRequested);
    connect(m_close, &QToolButton::clicked, this, &QWidget::hide);
    setActions(false, false);
    applyStyle();
    hide();
}

void ConnectionBanner::showMessage(Severity severity, const QString &title, const QString &detail)
{
    m_severity = severity;
    m_fullTitle = title;
    m_fullDetail = detail;
    m_briefTitle.clear();
    m_briefLine.clear();
    showText();
    applyStyle();
    show();
}

void ConnectionBanner::setDetail(const QString &detail)
{
    m_fullDetail = detail;
    showText();
}

void ConnectionBanner::setBrief(const QString &title, const QString &line)
{
    m_briefTitle = title;
    m_briefLine = line;
    showText();
}

void ConnectionBanner::setCompact(bool compact)
{
    m_compact = compact;
    showText();
}

QString ConnectionBanner::shownText() const
{
    return m_title->text() + QLatin1Char('\n') + m_detail->text();
}

void ConnectionBanner::showText()
{
    const bool brief = m_compact && !m_briefTitle.isEmpty();
    m_title->setText(brief ? m_briefTitle : m_fullTitle);
    m_detail->setText(brief ? m_briefLine : m_fullDetail);
    m_detail->setVisible(!m_detail->text().isEmpty());
    setToolTip(brief ? m_fullTitle + QLatin1Char('\n') + m_fullDetail : QString());
}

void ConnectionBanner::setActions(bool reconnectNow, bool changeNick, bool trustCertificate)
{
    m_reconnect->setVisible(reconnectNow);
    m_changeNick->setVisible(changeNick);
    m_trust->setVisible(trustCertificate);
}

QString ConnectionBanner::title() const
{
    return m_fullTitle;
}

QString ConnectionBanner::detail() const
{
    return m_fullDetail;
}

void ConnectionBanner::applyStyle()
{
    // Background, border, text; fixed colours so the meaning survives any
    // desktop theme and a washed-out projector.
    struct Colors
    {
        const char *bg, *border, *fg, *glyph;
    };
    Colors c{};
    switch (m_severity) {
    case Severity::Info:
        c = {"#e8f0fe", "#8ab4f8", "#17324d", "ℹ"};
        break;
    case Severity::Success:
        c = {"#e6f4ea", "#81c995", "#0d3d1c", "✓"};
        break;
    case Severity::Warning:
        c = {"#fef7e0", "#f9c74f", "#4a3400", "⚠"};
        break;
    case Severity::Error:
        c = {"#fce8e6", "#ee675c", "#5c1010", "⚠"};
        break;
    }
    m_background = QColor(QLatin1String(c.bg));
    m_border = QColor(QLatin1String(c.border));
    // Painted and coloured through the palette, not a style sheet: a style
    // sheet would freeze the labels' font and Larger text would not reach
    // the banner a class reads.
    QPalette p;
    p.setColor(QPalette::WindowText, QColor(QLatin1String(c.fg)));
    for (QLabel *l : {m_icon, m_title, m_detail})
        l->setPalette(p);
    m_icon->setText(QString::fromUtf8(c.glyph));
    update();
}

void ConnectionBanner::paintEvent(QPaintEvent *)
{
    QPainter painter(this);
    painter.setRenderHint(QPainter::Antialiasing);
    painter.setPen(QPen(m_border, 1));
    painter.setBrush(m_background);
    painter.drawRoundedRect(QRectF(rect()).adjusted(0.5, 0.5, -0.5, -0.5), CornerRadius,
                            CornerRadius);
}

} // namespace longline::app
