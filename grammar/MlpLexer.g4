// Lexer for the .mlp language. Regenerate the C# parser with ./generate.sh (pinned antlr-ng).
lexer grammar MlpLexer;

// Keywords. Those marked soft are also accepted as names (see `name` in MlpParser.g4).
IMPORT    : 'import';
AS        : 'as';
TYPE      : 'type';
ENUM      : 'enum';
ARTIFACT  : 'artifact';
PARAM     : 'param';
TARGET    : 'target';
STEP      : 'step';
PIPELINE  : 'pipeline';
SWEEP     : 'sweep';
OVER      : 'over';
POLICY    : 'policy';
FOR       : 'for';
MODEL     : 'model';
LET       : 'let';
IF        : 'if';
ELSE      : 'else';
IN        : 'in';
REGISTER  : 'register';
WITH      : 'with';
RETURN    : 'return';
YIELD     : 'yield';
REQUIRE   : 'require';
APPROVAL  : 'approval';
FROM      : 'from';
ON        : 'on';
PASS      : 'pass';
FAIL      : 'fail';
ALIAS     : 'alias';
TAG       : 'tag';
NOTIFY    : 'notify';
MAXIMIZE  : 'maximize';
MINIMIZE  : 'minimize';
TRUE      : 'true';
FALSE     : 'false';
NONE      : 'none';
AND       : 'and';
OR        : 'or';
NOT       : 'not';

// Literals. Durations and sizes carry their unit in the token.
DURATION  : NUMBER_BODY ('ms' | 's' | 'm' | 'h' | 'd');
SIZE      : NUMBER_BODY ('B' | 'KB' | 'MB' | 'GB' | 'TB' | 'KiB' | 'MiB' | 'GiB' | 'TiB');
FLOAT     : DIGITS '.' DIGITS EXPONENT? | DIGITS EXPONENT;
INT       : DIGITS;
// Interpolations ${...} stay inside the string token; the tree builder parses them.
STRING    : '"' ( '\\' ~[\r\n] | '${' ~[}"\r\n]* '}' | ~["\\\r\n] )* '"';
UNTERMINATED_STRING : '"' ( '\\' ~[\r\n] | ~["\\\r\n] )*;

IDENT     : [a-zA-Z_] [a-zA-Z_0-9]*;

// Punctuation
ARROW     : '->';
FAT_ARROW : '=>';
EQEQ      : '==';
NEQ       : '!=';
LE        : '<=';
GE        : '>=';
LT        : '<';
GT        : '>';
ASSIGN    : '=';
TILDE     : '~';
PLUS      : '+';
MINUS     : '-';
STAR      : '*';
SLASH     : '/';
PERCENT   : '%';
QUESTION  : '?';
AT        : '@';
LPAREN    : '(';
RPAREN    : ')';
LBRACE    : '{';
RBRACE    : '}';
LBRACK    : '[';
RBRACK    : ']';
COMMA     : ',';
COLON     : ':';
SEMI      : ';';
DOT       : '.';

LINE_COMMENT  : '//' ~[\r\n]* -> channel(HIDDEN);
BLOCK_COMMENT : '/*' .*? '*/' -> channel(HIDDEN);
WS            : [ \t\r\n\f]+ -> channel(HIDDEN);

// Anything else becomes one error token, reported by the parser at its position.
ERROR_CHAR    : .;

fragment DIGITS      : [0-9] ('_'? [0-9])*;
fragment EXPONENT    : [eE] [+-]? [0-9]+;
fragment NUMBER_BODY : DIGITS ('.' DIGITS)?;
