#pragma once
// Under the members list in a room too large for the server to list at
// once: says how much of the room the list shows ("Showing 100 of 19,500
// people.") and offers the next page. Hidden while the list is the room.

#include <QWidget>

class QLabel;
class QPushButton;

namespace longline::app {

class MemberListFooter : public QWidget
{
    Q_OBJECT
public:
    explicit MemberListFooter(QWidget *parent = nullptr);

    // `listed` of the room's `roomSize` people are in the list. Shown only
    // when that is not everyone; a new count also ends a pending request.
    void setCounts(int listed, int roomSize);

    QLabel *note() const { return m_note; }
    QPushButton *moreButton() const { return m_more; }

Q_SIGNALS:
    // The user asked for the next page of the list.
    void moreRequested();

private:
    void retranslate();
    void onMoreClicked();

    QLabel *m_note = nullptr;
    QPushButton *m_more = nullptr;
    int m_listed = 0;
    int m_roomSize = 0;
};

} // namespace longline::app
