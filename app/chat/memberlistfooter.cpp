#include "memberlistfooter.h"

#include "labelstyle.h"

#include <QHBoxLayout>
#include <QLabel>
#include <QLocale>
#include <QPushButton>

namespace longline::app {

MemberListFooter::MemberListFooter(QWidget *parent) : QWidget(parent)
{
    setObjectName(QStringLiteral("memberListFooter"));
    m_note = new QLabel(this);
    m_note->setObjectName(QStringLiteral("memberListNote"));
    m_note->setTextFormat(Qt::PlainText);
    // A narrow panel or long translation wraps instead of widening it.
    m_note->setWordWrap(true);
    setTone(m_note, Tone::Muted);
    m_more = new QPushButton(this);
    m_more->setObjectName(QStringLiteral("memberListMore"));
    auto *row = new QHBoxLayout(this);
    // Off the panel's edges, as the list's rows are.
    row->setContentsMargins(6, 4, 6, 6);
    row->addWidget(m_note, 1);
    row->addWidget(m_more, 0, Qt::AlignVCenter);
    connect(m_more, &QPushButton::clicked, this, &MemberListFooter::onMoreClicked);
    retranslate();
    hide();
}

void MemberListFooter::setCounts(int listed, int roomSize)
{
    m_listed = listed;
    m_roomSize = roomSize;
    // The page asked for has come (or the room changed): ask again at will.
    m_more->setEnabled(true);
    retranslate();
    setVisible(roomSize > listed);
}

void MemberListFooter::retranslate()
{
    const QLocale locale;
    m_note->setText(
        tr("Showing %1 of %2 people.").arg(locale.toString(m_listed), locale.toString(m_roomSize)));
    m_more->setText(tr("Show more"));
    m_more->setToolTip(tr("Ask the server for the next names in the list"));
}

void MemberListFooter::onMoreClicked()
{
    // One page at a time: the button comes back with the page's count.
    m_more->setEnabled(false);
    Q_EMIT moreRequested();
}

} // namespace longline::app
