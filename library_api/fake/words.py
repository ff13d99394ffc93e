"""Word lists for generated catalogs: some names and words outside ASCII, so that folding is exercised."""

FIRST_NAMES = (
    "Ada", "Alan", "Amara", "Anders", "Astrid", "Beatriz", "Bjørn", "Camille", "Chidi", "Clara", "Dmitri",
    "Élodie", "Émile", "Eun-ji", "Farah", "François", "Gabriel", "Grete", "Hana", "Hiroshi", "Ingrid",
    "Isabel", "Jakub", "Jana", "José", "Kofi", "Lars", "Léa", "Lucía", "Malik", "Mariana", "Mateo", "Mei",
    "Nadia", "Noor", "Olga", "Øyvind", "Pablo", "Priya", "Rafael", "Renée", "Saoirse", "Sergei", "Siobhán",
    "Søren", "Tomás", "Umar", "Valentina", "Wanjiru", "Xavier", "Yusuf", "Zoë", "Zoltán", "Ümit",
)

LAST_NAMES = (
    "Abara", "Ångström", "Bauer", "Blanchet", "Castillo", "Çelik", "Chen", "Dahl", "Đorđević", "Dubois",
    "Eriksson", "Fernández", "García", "Gruber", "Hakimi", "Hansen", "Ibáñez", "Ivanova", "Jansen",
    "Kowalski", "Lambert", "Larsen", "Lindqvist", "Martin", "Mbeki", "Moreau", "Müller", "Nakamura",
    "Nguyễn", "Novák", "O'Brien", "Okafor", "Ortiz", "Papadopoulos", "Petrov", "Quintero", "Rossi",
    "Schröder", "Silva", "Sørensen", "Straße", "Svoboda", "Tanaka", "Thompson", "Varga", "Weiß", "Wójcik",
    "Yılmaz", "Zhang", "Žižek",
)

ADJECTIVES = (
    "Amber", "Ancient", "Bitter", "Broken", "Burning", "Crimson", "Distant", "Drowned", "Eternal", "Fallen",
    "Forgotten", "Gentle", "Golden", "Hidden", "Hollow", "Iron", "Last", "Lonely", "Lost", "Midnight",
    "Northern", "Painted", "Quiet", "Restless", "Secret", "Silent", "Silver", "Sleeping", "Stolen",
    "Strange", "Sunken", "Wandering", "Wild", "Winter", "Wooden",
)

NOUNS = (
    "Archive", "Atlas", "Bridge", "Café", "Castle", "Cartographer", "Clockmaker", "Compass", "Crown",
    "Daughter", "Empire", "Engine", "Forest", "Garden", "Harbour", "Heir", "Island", "Journey", "Kingdom",
    "Lantern", "Library", "Lighthouse", "Map", "Mirror", "Orchard", "River", "Sea", "Shadow", "Smørrebrød",
    "Song", "Station", "Storm", "Tide", "Tower", "Traveller", "Valley", "Voyage", "Widow", "Wolf",
)

PLACES = (
    "Avalon", "Bergen", "Cádiz", "Córdoba", "Dublin", "Gdańsk", "Göteborg", "Kyoto", "Lagos", "Lisbon",
    "Marrakesh", "Montréal", "München", "Nairobi", "Odesa", "Reykjavík", "Salvador", "Samarkand", "São Paulo",
    "Tromsø", "Valparaíso", "Zürich",
)

GENRES = (
    "Fiction", "Mystery", "Science Fiction", "Fantasy", "Romance", "Thriller", "Historical Fiction",
    "Biography", "History", "Poetry", "Philosophy", "Science", "Travel", "Children's", "Young Adult",
    "Horror", "Essays", "Graphic Novel",
)

PUBLISHERS = (
    "Penguin", "Faber & Faber", "Gallimard", "Suhrkamp", "Anagrama", "Bonnier", "Iwanami Shoten",
    "Vintage", "Picador", "Éditions du Seuil", "Hanser", "Canongate",
)

REVIEWS = (
    "Could not put it down.", "Slow start, wonderful ending.", "Beautifully written.",
    "Not for me, but I see the appeal.", "A book I will read again.", "Überraschend gut.",
)
