"""School rolls as an MIS exports them, for the roll's tests (unit, CLI and GUI).

Every UPN here has a correct DfE check letter. Each file has one row that cannot be read,
as real exports sometimes do.
"""

from __future__ import annotations

# SIMS: "UPN, Legal Surname, Legal Forename, ...", day-first dates, "Year 8" years.
# Line 5 has a date that does not exist.
SIMS_CSV = """\
UPN,Legal Surname,Legal Forename,Preferred Forename,DOB,Year,Reg Group,Gender
B201201001010,Smith,Jessica,Jess,14/03/2012,Year 8,8B,Female
P201201001020,O'Brien,Liam,Liam,01/09/2011,Year 9,9X,Male
C201201001030,Nowak,Zoë,,7/2/2013,Year 7,7A,Female
Q201201001040,Khan,Aisha,,31/02/2011,Year 9,9Y,Female
D201201001050,Smith-Jones,Oliver,Olly,22-11-2012,Year 8,8B,Male
,Patel,Aarav,,06/05/2012,Year 8,8C,Male
"""

# The same school a term later: Liam has left, Jess has moved form, Aisha's date is fixed
# and a new pupil has arrived. Aarav still has no UPN and is known by name and birthday.
SIMS_CSV_NEXT_TERM = """\
UPN,Legal Surname,Legal Forename,Preferred Forename,DOB,Year,Reg Group,Gender
B201201001010,Smith,Jessica,Jess,14/03/2012,Year 8,8C,Female
C201201001030,Nowak,Zoë,,07/02/2013,Year 7,7A,Female
Q201201001040,Khan,Aisha,,28/02/2011,Year 9,9Y,Female
D201201001050,Smith-Jones,Oliver,Olly,22/11/2012,Year 8,8B,Male
,Patel,Aarav,,06/05/2012,Year 8,8C,Male
T201201001080,Ahmed,Yusuf,,03/10/2012,Year 8,8B,Male
"""

# Arbor: "First name, Last name, ...", ISO dates, UPN last. Line 3 has no surname.
ARBOR_CSV = """\
First name,Last name,Date of Birth,Year Group,Registration Group,UPN,Gender
Mia,Jones,2014-04-02,Year 6,6J,R201201001060,Female
Noah,,2015-01-15,Year 5,5W,E201201001070,Male
Ava,Williams,2020-10-03,Reception,RB,D930011002010,Female
Leo,Taylor,2021-12-12,Nursery 2,Nursery,,Male
"""
