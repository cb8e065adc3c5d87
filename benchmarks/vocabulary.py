"""Word lists for the synthetic benchmark corpus: tags, people, organisations, places, sentence templates."""

from __future__ import annotations


def words(text: str, sep: str | None = None) -> tuple[str, ...]:
    """``"a;b;c"`` -> ``("a", "b", "c")``; line breaks inside ``text`` are ignored."""
    return tuple(part.strip() for part in text.replace("\n", "").split(sep) if part.strip())


# ~200 tags, German and English, some with umlauts, spaces, hyphens or "&" (slug edge cases).
TAGS = words(
    """
Clusterpolitik;Innovation;Digitalisierung;Wasserstoff;Energiewende;Klimaschutz;Nachhaltigkeit;Mittelstand;
Fachkräfte;Förderung;Forschung;Transfer;Start-ups;Künstliche Intelligenz;Industrie 4.0;Mobilität;E-Mobilität;
Logistik;Gesundheitswirtschaft;Medizintechnik;Biotechnologie;Chemie;Kunststoffe;Materialforschung;Leichtbau;
Luftfahrt;Raumfahrt;Maritime Wirtschaft;Automotive;Batterietechnik;Photovoltaik;Windenergie;Geothermie;
Kreislaufwirtschaft;Ressourceneffizienz;Bioökonomie;Landwirtschaft;Ernährung;Lebensmittel;Holzwirtschaft;
Bauwirtschaft;Smart City;Stadtentwicklung;Quartiere;Wohnungsbau;Tourismus;Kultur- und Kreativwirtschaft;
Design;Medien;Games;Software;Cybersicherheit;Datenschutz;Cloud;Quantencomputing;Mikroelektronik;Halbleiter;
Optik;Photonik;Sensorik;Robotik;Automatisierung;Maschinenbau;Produktion;Additive Fertigung;Textil;Mode;
Handwerk;Ausbildung;Weiterbildung;Hochschulen;Schulen;MINT;Frauen in der Technik;Diversität;Inklusion;
Internationalisierung;Europa;EU-Förderung;Horizon Europe;Interreg;Green Deal;Außenwirtschaft;Export;
Markterschließung;Messe;Konferenz;Workshop;Webinar;Netzwerktreffen;Preisverleihung;Wettbewerb;Ausschreibung;
Studie;Umfrage;Positionspapier;Strategie;Förderaufruf;Pressemitteilung;Personalien;Jubiläum;Kooperation;
Partnerschaft;Ostwestfalen-Lippe;Nordrhein-Westfalen;Bayern;Baden-Württemberg;Sachsen;Thüringen;Berlin;
Brandenburg;Hamburg;Bremen;Niedersachsen;Schleswig-Holstein;Hessen;Rheinland-Pfalz;Saarland;
Mecklenburg-Vorpommern;Sachsen-Anhalt;Brüssel;Österreich;Schweiz;Skandinavien;Wasserwirtschaft;Umwelttechnik;
Energieeffizienz;Wärmewende;Speicher;Netze;Elektrolyse;Brennstoffzelle;Dekarbonisierung;CO₂-Bilanz;
Klimaanpassung;Biodiversität;Gründung;Wagniskapital;Finanzierung;Investitionen;Standortpolitik;
Regionalentwicklung;Ländlicher Raum;Verwaltung;E-Government;Open Data;Plattformökonomie;Blockchain;
Data Science;Machine Learning;Edge Computing;5G;Internet der Dinge;Digital Health;Pflege;Telemedizin;
Pharma;Life Sciences;Agrartechnik;Fischerei;Häfen;Schifffahrt;Bahn;Radverkehr;ÖPNV;Luftqualität;
Lärmschutz;Sicherheit;Verteidigung;Krisenresilienz;Lieferketten;Rohstoffe;Recycling;Verpackung;
Clustermanagement;Benchmarking;Exzellenz;Qualitätslabel;Go-Cluster;Zukunftspapier;Innovationsgutschein;
Technologietransfer;Patente;Normung;Zertifizierung;Reallabor;Testfeld;Demonstrator;Pilotprojekt;
Cluster Excellence;Open Innovation;Supply Chain;Circular Economy;Green Hydrogen;Smart Manufacturing;
Skills & Talent;Research & Development;Public Funding;Networking;Internationalisation;Startup Ecosystem;
Health Tech;Clean Tech;Deep Tech;Food Tech;Fintech;Space Economy
""",
    ";",
)

FIRST_NAMES = words(
    "Anna Jürgen Sören Björn Lukas Jörg Käthe Ümit Özlem Małgorzata Hannah Felix Lea Maximilian Sophie Jonas "
    "Marie Paul Emma Leon Mia Ben Clara Elias Greta Till Ole Frieda Jan Zoë Emily James Oliver Charlotte "
    "Daniel Sarah Thomas Laura Michael Julia"
)
LAST_NAMES = words(
    "Müller Schäfer Nögel Janssen Weiß Groß Köhler Brückner Döring Fuß Şahin Kowalski Neubaur Vogelskamp "
    "Mucke Boss Becker Hoffmann Schröder Krüger Lehmann Schmitz Wagner Schulz Fischer Meyer Smith Taylor "
    "O'Brien Andersson"
)
TITLES_OF_PERSON: tuple[str, ...] = ("", "", "", "Dr. ", "Prof. Dr. ", "Dipl.-Ing. ")

ORGS = words(
    """ClusterAllianz.NRW;Cluster Nanotechnologie;it's OWL;automotiveland.nrw;Circular Valley;
BioRegio STERN;Hamburg Aviation;Maritimes Cluster Norddeutschland;Silicon Saxony;Medical Valley EMN;
Cluster Energietechnik;Kunststoff-Netzwerk Franken;Life Science Nord;Photonics BW;Logistik-Initiative Hamburg;
Wasserstoff-Netzwerk Lausitz;Cluster Bahntechnik;Textil-Netzwerk Westmünsterland;Holzcluster Steiermark;
Forum Ernährungswirtschaft;Digitalagentur Süd;Gründerzentrum Rhein-Main;Netzwerk „Zukunft Bau“;
Innovationsregion Lausitz;Cluster „Smart Materials“;European Cluster Collaboration Platform;
Clusterplattform Deutschland;VDI/VDE-IT;Fraunhofer-Institut für Produktionstechnik;Hochschule Ruhr West""",
    ";",
)
PLACES = words(
    "Brüssel Düsseldorf München Köln Nürnberg Lüneburg Göttingen Würzburg Saarbrücken Dresden Leipzig Jena "
    "Bielefeld Paderborn Münster Osnabrück Tübingen Freiburg Lübeck Kiel Rostock Cottbus Fürth Görlitz Wien "
    "Zürich Wuppertal Solingen Essen Hamburg"
)
TOPICS_DE = words(
    "grüne Transformation;Fachkräftesicherung;Digitalisierung im Mittelstand;Wasserstoffwirtschaft;"
    "Kreislaufwirtschaft;Künstliche Intelligenz;Energieeffizienz;Ressourcenschonung;Lieferketten;"
    "Internationalisierung;Technologietransfer;Dekarbonisierung der Industrie;Gesundheitswirtschaft;"
    "nachhaltige Mobilität;Bioökonomie;Cybersicherheit;Gründungsförderung;Wärmewende",
    ";",
)
TOPICS_EN = words(
    "green transformation;skills shortage;digitalisation of SMEs;hydrogen economy;circular economy;"
    "artificial intelligence;energy efficiency;resource efficiency;supply chains;internationalisation;"
    "technology transfer;industrial decarbonisation;health economy;sustainable mobility;bioeconomy;"
    "cyber security;start-up support;heat transition",
    ";",
)
EVENTS_DE: tuple[str, ...] = (
    "Clusterkonferenz",
    "Netzwerktreffen",
    "Innovationstag",
    "Fachforum",
    "Zukunftsdialog",
    "Branchentreff",
    "Jahrestagung",
    "Werkstattgespräch",
)
EVENTS_EN: tuple[str, ...] = ("Cluster Conference", "Matchmaking Day", "Innovation Summit", "Expert Forum")

# Title templates; slots: {org} {place} {topic} {event} {year} {n}
TITLE_TEMPLATES_DE: tuple[str, ...] = (
    "{org} startet Förderaufruf zur {topic}",
    "Rückblick: {event} {year} in {place}",
    "{org} legt Zukunftspapier zur {topic} vor",
    "„{topic}“: {org} lädt nach {place} ein",
    "{n} Unternehmen aus {place} vernetzen sich zur {topic}",
    "Neue Studie von {org}: {topic} bleibt Chance für den Mittelstand",
    "{event} {year}: Ergebnisse aus {place} veröffentlicht",
    "{org} und {org2} vereinbaren Kooperation zur {topic}",
    "Preis für {topic} geht nach {place}",
    "Ministerin besucht {org} in {place}",
)
TITLE_TEMPLATES_EN: tuple[str, ...] = (
    "{org} launches call for projects on {topic}",
    "Looking back: {event} {year} in {place}",
    "{org} publishes position paper on {topic}",
    '"{topic}": {org} invites to {place}',
    "{n} companies from {place} join forces on {topic}",
    "New study by {org}: {topic} remains an opportunity for SMEs",
    "{org} and {org2} sign partnership on {topic}",
)

# Sentence templates; the body generator fills the slots and decorates some fillers with Markdown.
SENTENCES_DE: tuple[str, ...] = (
    "Das Team von {org} war mittendrin, um den Austausch mit internationalen Akteuren zu suchen.",
    "Die Veranstaltung „{event}“ in {place} zeigte, welche Rolle Cluster bei der {topic} spielen.",
    "„Gerade in bewegten Zeiten brauchen wir starke Netzwerke und klare Perspektiven“, sagte {person}.",
    "Mehr als {n} Teilnehmende diskutierten über Finanzierung, Wirkungsmessung und die {topic}.",
    "{person} betonte die Bedeutung von Programmen wie „go-cluster“ für Investitionen in die Regionen.",
    "Mit über {n} konkreten Impulsen liefert das Papier einen praxisnahen Beitrag zur {topic}.",
    "Die Ergebnisse sind nun in einem Dokument verfügbar, das {org} kostenfrei bereitstellt.",
    "Gemeinsam können wir {place} als starken, zukunftsfähigen Wirtschaftsstandort weiterentwickeln.",
    "Unter der Überschrift „Cluster.Zukunft.{year}“ hat {org} ein strategisches Impulspapier vorgelegt.",
    "Kleine und mittlere Unternehmen haben oft nicht die Kapazitäten, Innovation allein voranzutreiben.",
    "Die Veranstaltung fand am {day}. und {day2}. November {year} erstmals vollständig virtuell statt.",
    "Höhepunkt war die Wahl von {org} zur Clusterpartnerschaft des Jahres.",
    "Bewerbungen sind bis zum {day}. März {year} möglich; die Förderquote beträgt bis zu {pct} Prozent.",
    "Auch in der Fachkräftesicherung spielen Cluster eine wichtige Rolle, etwa durch Bildungskooperationen.",
    "Für Rückfragen steht {person} zur Verfügung; weitere Termine folgen im Frühjahr.",
    "Die Landesregierung verfolgt die gleichen Ziele – das zeigt sich auch im Koalitionsvertrag.",
    "Von Energiekosten und Fachkräftemangel bis hin zu KI reichen die Herausforderungen der Branche.",
    "Die Teilnehmenden lernten die Angebote der Europäischen Kommission kennen und vernetzten sich.",
    "„Wir sind stolz, dass wir als junges Cluster eine führende Rolle übernehmen dürfen“, so {person}.",
    "Good-Practice-Beispiele finden sich in der Publikation „Klimaschutz und Ressourceneffizienz“.",
    "Der interaktive Aufbau mit 1-zu-1-Networking ermöglichte reichhaltige und fruchtbare Gespräche.",
    "Insgesamt {n} Projekte aus {place} und Umgebung erhalten eine Förderung von {n2} Millionen Euro.",
)
SENTENCES_EN: tuple[str, ...] = (
    "The conference brought together more than {n} cluster managers from across Europe in {place}.",
    '"Clusters are hotspots for attracting investments," said {person} during the panel discussion.',
    "{org} presented its new strategy on {topic} to representatives of the ministry.",
    "The results are now available in a report that {org} publishes free of charge.",
    "Small and medium-sized enterprises often lack the capacity to drive innovation on their own.",
    "Applications are open until {day} March {year}; funding covers up to {pct} percent of the costs.",
    "The side events continued the excellent interactions of the conference in {place}.",
    "Participants discussed financing challenges, impact measurement and {topic}.",
    "{person} highlighted the role of the programme as a \u201cnetwork of networks\u201d.",
    "In total, {n} projects from {place} receive funding of {n2} million euros.",
    "The interactive format, based on small group discussions and 1-to-1 networking, proved a success.",
    "Further dates will follow in spring; questions can be sent to {person}.",
    "Together we can develop {place} into a strong and future-proof business location.",
    "The award for cluster partnership of the year went to {org}.",
)
HEADINGS_DE: tuple[str, ...] = (
    "Erfolgreiche Ergebnisse",
    "Wahlen zur Clusterpartnerschaft des Jahres",
    "Hintergrund",
    "Über das Programm",
    "Nächste Schritte",
    "Stimmen aus der Praxis",
    "Förderbedingungen",
    "Termine und Anmeldung",
    "Über {org}",
)
HEADINGS_EN: tuple[str, ...] = (
    "Successful results",
    "Background",
    "About the programme",
    "Next steps",
    "Voices from practice",
    "Dates and registration",
    "About {org}",
)
BULLETS_DE: tuple[str, ...] = (
    "Technologietransfer und Fördermittelberatung",
    "Start-up-Unterstützung und Gründungsberatung",
    "internationale Sichtbarkeit und europäische Vernetzung",
    "Bildungskooperationen mit Hochschulen in {place}",
    "Zugang zu internationalen Talenten",
    "Reallabore für die {topic}",
    "Workshops zu Energie- und Ressourceneffizienz",
    "Matchmaking mit Unternehmen aus {place}",
)
BULLETS_EN: tuple[str, ...] = (
    "technology transfer and funding advice",
    "start-up support and founder coaching",
    "international visibility and European networking",
    "education partnerships with universities in {place}",
    "access to international talent",
    "living labs for {topic}",
)
LINK_TARGETS: tuple[str, ...] = (
    "https://www.clusterplattform.de/",
    "https://clustercollaboration.eu/news",
    "https://www.bmwk.de/Redaktion/DE/Artikel/Technologie/go-cluster.html",
    "https://example.org/studie.pdf",
    "/themen/clusterpolitik.html",
    "/veranstaltungen/",
    "../2019/rueckblick.html",
    "archiv/index.html",
)
CREDITS: tuple[str, ...] = (
    "VDI/VDE-IT",
    "ECCP",
    "ClusterAllianz.NRW",
    "Fotostudio Köhler",
    "Jörg Brückner",
    "Land NRW / Ralph Sondermann",
    "Adobe Stock",
)
COOKIE_BANNERS: tuple[str, ...] = (
    "Mit Ihrer Erlaubnis verwenden wir Google Analytics, um den Traffic auf dieser Website zu analysieren. "
    "Sie können Ihre Entscheidung jederzeit unter Datenschutzerklärung ändern.",
    "Diese Website verwendet Cookies. Wenn Sie die Website weiter nutzen, stimmen Sie der Verwendung zu. "
    "Akzeptieren Ablehnen",
)
MONTHS_DE: tuple[str, ...] = (
    "Januar",
    "Februar",
    "März",
    "April",
    "Mai",
    "Juni",
    "Juli",
    "August",
    "September",
    "Oktober",
    "November",
    "Dezember",
)
