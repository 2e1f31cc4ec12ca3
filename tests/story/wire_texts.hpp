#pragma once
// Realistic wire copy for story-grouping tests: one agency story as three outlets carry it
// (each edits it a little), and two other stories on the same topic by other writers.
#include <string>

namespace sanctwatch::testing::wire {

inline const std::string title =
    "US weighs sanctions on Chinese banks that help Russia evade export controls";

inline const std::string body =
    "WASHINGTON (Wire) - The United States is preparing sanctions against several Chinese banks "
    "that it says have helped Russia obtain machine tools and microelectronics for its weapons "
    "industry, three people familiar with the matter said on Tuesday. The Treasury Department "
    "has drawn up a list of lenders in Beijing, Shanghai and Hong Kong that processed payments "
    "for Russian importers, the people said, asking not to be named because the deliberations "
    "are private. No final decision has been made and the timing could still change. The move "
    "would mark a sharp escalation of Washington's campaign against third-country suppliers of "
    "Russia's military, which has so far focused on small trading firms rather than major "
    "financial institutions. China's foreign ministry said it firmly opposed unilateral "
    "sanctions and would take necessary measures to protect the rights of Chinese companies. "
    "Shares of several Chinese lenders listed in Hong Kong fell on the report.";

// Outlet 2: a house style headline, no dateline, no day, a credit line.
inline const std::string title_2 =
    "U.S. weighs sanctions on Chinese banks helping Russia evade export controls";
inline const std::string body_2 =
    "The United States is preparing sanctions against several Chinese banks that it says have "
    "helped Russia obtain machine tools and microelectronics for its weapons industry, three "
    "people familiar with the matter said. The Treasury Department has drawn up a list of lenders "
    "in Beijing, Shanghai and Hong Kong that processed payments for Russian importers, the people "
    "said, asking not to be named because the deliberations are private. No final decision has "
    "been made and the timing could still change. The move would mark a sharp escalation of "
    "Washington's campaign against third-country suppliers of Russia's military, which has so far "
    "focused on small trading firms rather than major financial institutions. China's foreign "
    "ministry said it firmly opposed unilateral sanctions and would take necessary measures to "
    "protect the rights of Chinese companies. Shares of several Chinese lenders listed in Hong "
    "Kong fell on the report. (Reporting by Jane Doe; Editing by John Roe)";

// Outlet 3: a new headline, a word changed, the last sentence cut, a house footer.
inline const std::string title_3 = "Exclusive: US prepares sanctions on Chinese banks over Russia";
inline const std::string body_3 =
    "WASHINGTON (Wire) - The United States is preparing sanctions against several Chinese banks "
    "that it says have helped Russia obtain machine tools and microelectronics for its weapons "
    "industry, three people familiar with the matter said on Tuesday. The Treasury Department "
    "has prepared a list of lenders in Beijing, Shanghai and Hong Kong that processed payments "
    "for Russian importers, the people said, asking not to be named because the deliberations "
    "are private. No final decision has been made and the timing could still change. The move "
    "would mark a sharp escalation of Washington's campaign against third-country suppliers of "
    "Russia's military, which has so far focused on small trading firms rather than major "
    "financial institutions. China's foreign ministry said it firmly opposed unilateral "
    "sanctions and would take necessary measures to protect the rights of Chinese companies. "
    "Read more on our website.";

// Same topic (sanctions, Chinese firms, Russia), different stories.
inline const std::string other_title =
    "EU adopts new sanctions package targeting Chinese firms supplying Russia";
inline const std::string other_body =
    "BRUSSELS (Wire) - European Union governments on Wednesday approved a new package of "
    "sanctions against Russia that for the first time targets several Chinese companies accused "
    "of supplying drone components to the Russian army, diplomats said. The package also bans "
    "transactions with a Russian stock exchange and adds dozens of vessels of the so-called "
    "shadow fleet to a blacklist. Hungary had held up the agreement for weeks over energy "
    "exemptions. China's mission to the EU said the measures had no basis in international law "
    "and that Beijing would respond firmly to protect the interests of its companies. The EU has "
    "adopted fourteen packages since the start of the war.";

inline const std::string reply_title = "China hits back at US sanctions on its banks";
inline const std::string reply_body =
    "BEIJING (Wire) - China on Thursday vowed to retaliate against US sanctions on Chinese banks "
    "accused of helping Russia, saying Washington was abusing export controls and long-arm "
    "jurisdiction. A commerce ministry spokesperson said Beijing would add several American "
    "defence contractors to its unreliable entity list. The US Treasury imposed sanctions on two "
    "Chinese lenders this week over payments for Russian importers of machine tools. Analysts "
    "said the dispute could spill over into trade talks planned for next month.";

}  // namespace sanctwatch::testing::wire
