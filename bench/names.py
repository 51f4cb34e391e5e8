"""Made-up names and places for the synthetic data. Town names are real places, used only to make
agency names and postcode districts look English; no person, agency or address is real."""

# (local area, postcode area letters). Areas that share letters get consecutive district numbers.
AREAS = [
    ("Derby", "DE"), ("Nottingham", "NG"), ("Leeds", "LS"), ("Birmingham", "B"), ("Manchester", "M"),
    ("Sheffield", "S"), ("Liverpool", "L"), ("Bristol", "BS"), ("Leicester", "LE"), ("Coventry", "CV"),
    ("Bradford", "BD"), ("Newcastle", "NE"), ("Sunderland", "SR"), ("Wolverhampton", "WV"), ("Walsall", "WS"),
    ("Dudley", "DY"), ("Stoke-on-Trent", "ST"), ("Plymouth", "PL"), ("Southampton", "SO"), ("Portsmouth", "PO"),
    ("Brighton and Hove", "BN"), ("Reading", "RG"), ("Oxford", "OX"), ("Cambridge", "CB"), ("Norwich", "NR"),
    ("Ipswich", "IP"), ("Colchester", "CO"), ("Chelmsford", "CM"), ("Southend", "SS"), ("Luton", "LU"),
    ("Milton Keynes", "MK"), ("Northampton", "NN"), ("Peterborough", "PE"), ("Lincoln", "LN"), ("Hull", "HU"),
    ("York", "YO"), ("Doncaster", "DN"), ("Wakefield", "WF"), ("Huddersfield", "HD"), ("Halifax", "HX"),
    ("Harrogate", "HG"), ("Darlington", "DL"), ("Durham", "DH"), ("Teesside", "TS"), ("Carlisle", "CA"),
    ("Lancaster", "LA"), ("Preston", "PR"), ("Blackpool", "FY"), ("Blackburn", "BB"), ("Bolton", "BL"),
    ("Oldham", "OL"), ("Stockport", "SK"), ("Wigan", "WN"), ("Warrington", "WA"), ("Chester", "CH"),
    ("Crewe", "CW"), ("Shrewsbury", "SY"), ("Telford", "TF"), ("Hereford", "HR"), ("Worcester", "WR"),
    ("Gloucester", "GL"), ("Swindon", "SN"), ("Bath", "BA"), ("Taunton", "TA"), ("Exeter", "EX"),
    ("Torquay", "TQ"), ("Truro", "TR"), ("Dorchester", "DT"), ("Bournemouth", "BH"), ("Salisbury", "SP"),
    ("Guildford", "GU"), ("Redhill", "RH"), ("Tonbridge", "TN"), ("Canterbury", "CT"), ("Medway", "ME"),
    ("Dartford", "DA"), ("Bromley", "BR"), ("Croydon", "CR"), ("Sutton", "SM"), ("Kingston", "KT"),
    ("Richmond", "TW"), ("Harrow", "HA"), ("Hillingdon", "UB"), ("Ealing", "W"), ("Camden", "NW"),
    ("Islington", "N"), ("Hackney", "E"), ("Southwark", "SE"), ("Lambeth", "SW"), ("Westminster", "WC"),
    ("City and Hackney", "EC"), ("Enfield", "EN"), ("Redbridge", "IG"), ("Havering", "RM"), ("Watford", "WD"),
    ("St Albans", "AL"), ("Stevenage", "SG"), ("Hemel Hempstead", "HP"), ("Slough", "SL"), ("Bedford", "MK"),
    ("Kettering", "NN"), ("Mansfield", "NG"), ("Chesterfield", "S"), ("Rotherham", "S"), ("Barnsley", "S"),
    ("Solihull", "B"), ("Sandwell", "B"), ("Salford", "M"), ("Trafford", "M"), ("Tameside", "OL"),
    ("Rochdale", "OL"), ("Bury", "BL"), ("Knowsley", "L"), ("Sefton", "L"), ("Wirral", "CH"),
    ("St Helens", "WA"), ("Gateshead", "NE"), ("North Tyneside", "NE"), ("South Tyneside", "NE"),
    ("Northumberland", "NE"), ("Calderdale", "HX"), ("Kirklees", "HD"), ("North Lincolnshire", "DN"),
    ("East Riding", "HU"), ("Scarborough", "YO"), ("Cumbria", "CA"), ("Cheshire East", "CW"),
    ("Staffordshire", "ST"), ("Tamworth", "B"), ("Nuneaton", "CV"), ("Rugby", "CV"), ("Warwick", "CV"),
    ("Loughborough", "LE"), ("Rutland", "LE"), ("Boston", "PE"), ("Grantham", "NG"), ("Newark", "NG"),
    ("Derbyshire Dales", "DE"), ("South Derbyshire", "DE"), ("Amber Valley", "DE"), ("Erewash", "DE"),
    ("High Peak", "SK"), ("Bassetlaw", "S"), ("Basingstoke", "RG"), ("Winchester", "SO"), ("Isle of Wight", "PO"),
    ("Chichester", "PO"), ("Worthing", "BN"), ("Eastbourne", "BN"), ("Hastings", "TN"), ("Maidstone", "ME"),
    ("Thanet", "CT"), ("Basildon", "SS"), ("Harlow", "CM"), ("Thurrock", "RM"), ("King's Lynn", "PE"),
    ("Great Yarmouth", "NR"),
]

# (agency type value, name pattern, role slug of its practitioners, staff per 1,000 families a year)
AGENCY_TYPES = [
    ("maternity", "{area} Maternity Service", "midwife", 8.0),
    ("health_visiting", "{area} Health Visiting Service", "health-visitor", 4.0),
    ("gp_practice", "{area} Primary Care Network", "gp", 3.0),
    ("childrens_social_care", "{area} Children's Social Care", "practitioner", 1.0),
    ("early_help", "{area} Early Help", "practitioner", 0.5),
    ("police", "{area} Police Safeguarding Unit", "practitioner", 0.5),
    ("housing", "{area} Housing Services", "practitioner", 0.25),
    ("emergency_department", "{area} Hospital Emergency Department", "practitioner", 0.5),
    ("adult_mental_health", "{area} Adult Mental Health Team", "practitioner", 0.25),
    ("substance_misuse", "{area} Drug and Alcohol Service", "practitioner", 0.25),
    ("probation", "{area} Probation Delivery Unit", "practitioner", 0.25),
    ("voluntary_sector", "{area} Family Support Charity", "practitioner", 0.25),
]

FEMALE = [
    "Amelia", "Olivia", "Isla", "Ava", "Mia", "Ivy", "Lily", "Isabella", "Rosie", "Sophia", "Grace", "Willow",
    "Freya", "Florence", "Emily", "Ella", "Poppy", "Evie", "Elsie", "Charlotte", "Evelyn", "Sienna", "Sofia",
    "Daisy", "Phoebe", "Sophie", "Alice", "Harper", "Matilda", "Ruby", "Emilia", "Maya", "Millie", "Isabelle",
    "Eva", "Luna", "Jessica", "Aria", "Chloe", "Ellie", "Zara", "Hannah", "Layla", "Aisha", "Fatima", "Maryam",
    "Amira", "Zainab", "Priya", "Anika", "Oliwia", "Zuzanna", "Maria", "Ioana", "Andreea", "Amina", "Hodan",
    "Leah", "Jade", "Kayleigh", "Gemma", "Stacey", "Lauren", "Rachel", "Natalie", "Kirsty", "Danielle", "Holly",
]
MALE = [
    "Oliver", "George", "Noah", "Arthur", "Harry", "Leo", "Muhammad", "Jack", "Charlie", "Oscar", "Jacob",
    "Henry", "Thomas", "Freddie", "Alfie", "Theo", "William", "Theodore", "Archie", "Joshua", "Alexander",
    "James", "Isaac", "Edward", "Lucas", "Tommy", "Finley", "Max", "Logan", "Ethan", "Mohammed", "Teddy",
    "Benjamin", "Arlo", "Joseph", "Sebastian", "Harrison", "Elijah", "Adam", "Daniel", "Samuel", "Louie",
    "Ibrahim", "Yusuf", "Omar", "Ali", "Aarav", "Arjun", "Jakub", "Szymon", "Andrei", "Mihai", "Abdi", "Liam",
    "Ryan", "Jordan", "Craig", "Darren", "Lee", "Wayne", "Kieran", "Jamie", "Dean", "Scott", "Mark", "Paul",
]
SURNAMES = [
    "Smith", "Jones", "Taylor", "Brown", "Williams", "Wilson", "Johnson", "Davies", "Patel", "Robinson", "Wright",
    "Thompson", "Evans", "Walker", "White", "Roberts", "Green", "Hall", "Thomas", "Clarke", "Jackson", "Wood",
    "Harris", "Edwards", "Turner", "Martin", "Cooper", "Hill", "Ward", "Hughes", "Moore", "Clark", "King",
    "Harrison", "Lewis", "Baker", "Lee", "Allen", "Morris", "Khan", "Scott", "Watson", "Davis", "Parker",
    "James", "Bennett", "Young", "Phillips", "Richardson", "Mitchell", "Bailey", "Carter", "Cook", "Singh",
    "Shaw", "Bell", "Collins", "Morgan", "Kelly", "Begum", "Miller", "Cox", "Hussain", "Marshall", "Simpson",
    "Price", "Anderson", "Adams", "Wilkinson", "Ali", "Ahmed", "Foster", "Ellis", "Murphy", "Chapman", "Mason",
    "Gray", "Richards", "Webb", "Griffiths", "Hunt", "Palmer", "Campbell", "Holmes", "Mills", "Barnes",
    "Knight", "Lloyd", "Butler", "Russell", "Barker", "Fisher", "Stevens", "Jenkins", "Murray", "Dixon",
    "Harvey", "Graham", "Pearson", "Ahmad", "Fletcher", "Walsh", "Kaur", "Gibson", "Howard", "Andrews",
    "Stewart", "Elliott", "Reynolds", "Saunders", "Payne", "Fox", "Ford", "Pearce", "Day", "Brooks", "West",
    "Lawrence", "Cole", "Atkinson", "Bradley", "Spencer", "Gill", "Dawson", "Ball", "Burton", "O'Brien",
    "Watts", "Rose", "Booth", "Perry", "Ryan", "Grant", "Wells", "Armstrong", "Francis", "Rees", "Hayes",
    "Hart", "Hudson", "Newman", "Barrett", "Webster", "Hunter", "Gregory", "Carr", "Lowe", "Page", "Marsh",
    "Riley", "Dunn", "Woods", "Parsons", "Berry", "Stone", "Reid", "Holland", "Hawkins", "Harding", "Porter",
    "Nowak", "Kowalski", "Popescu", "Ionescu", "Mohamed", "Abdi", "Nguyen", "Chowdhury", "Rahman", "Miah",
]
STREETS = [
    "Station Road", "Church Street", "Victoria Road", "Green Lane", "Manor Road", "Park Road", "Queens Road",
    "The Crescent", "Kings Road", "New Road", "Alexandra Road", "Mill Lane", "Grange Road", "School Lane",
    "Highfield Road", "Springfield Road", "Chestnut Close", "Orchard Way", "Windsor Road", "Albert Road",
    "York Road", "Stanley Road", "Richmond Road", "Main Street", "North Street", "Southfield Avenue",
    "Meadow View", "Elm Grove", "Beech Avenue", "Willow Close", "Oak Tree Drive", "Ash Court", "Brook Street",
    "Cedar Road", "Coronation Street", "Hawthorn Way", "Holly Bank", "Jubilee Terrace", "Larch Walk",
    "Moor Lane", "Nursery Road", "Pine Street", "Rowan Drive", "Sycamore Rise", "Vicarage Lane",
]
LANGUAGES = [
    "Polish", "Urdu", "Punjabi", "Bengali", "Romanian", "Arabic", "Somali", "Portuguese", "Gujarati",
    "Lithuanian", "Spanish", "Turkish", "Farsi", "Kurdish", "Tigrinya", "Ukrainian", "Slovak", "Czech",
    "Hungarian", "French",
]
NOTES = [
    "Routine contact. Parents engaged well.",
    "Safer sleep discussed using the leaflet. Cot seen in parents' room.",
    "Feeding going well. Baby settled during the visit.",
    "Discussed coping with crying and who to call.",
    "Mother tired but coping; partner home on paternity leave.",
    "Home conditions good. Smoke alarm fitted.",
    "Baby weighed; weight on the centile line.",
    "Talked through safe handling and the ICON messages.",
]
