// Parser for the .mlp language. The parse tree never leaves MLOps.Language/Parsing: it is turned
// at once into the immutable syntax tree (MLOps.Language.Syntax).
parser grammar MlpParser;

options { tokenVocab = MlpLexer; }

compilationUnit : declaration* EOF;

// Also used for expressions inside string interpolations.
standaloneExpression : expression EOF;

declaration
    : importDecl
    | typeDecl
    | enumDecl
    | artifactDecl
    | paramDecl
    | targetDecl
    | stepDecl
    | pipelineDecl
    | sweepDecl
    | policyDecl
    ;

importDecl   : IMPORT STRING (AS name)? SEMI?;
typeDecl     : TYPE name ASSIGN typeRef SEMI?;
enumDecl     : ENUM name LBRACE (name (COMMA name)* COMMA?)? RBRACE;
artifactDecl : ARTIFACT name SEMI?;
paramDecl    : PARAM name COLON typeRef (ASSIGN expression)? SEMI?;
targetDecl   : TARGET name ASSIGN name propertyBlock;
stepDecl     : STEP name parameterList (ARROW parameterList)? propertyBlock;
pipelineDecl : PIPELINE name parameterList (ARROW parameterList)? block;
sweepDecl    : SWEEP name OVER qualifiedName LBRACE sweepMember* RBRACE;
policyDecl   : POLICY name FOR MODEL STRING LBRACE policyMember* RBRACE;

parameterList : LPAREN (parameter (COMMA parameter)* COMMA?)? RPAREN;
parameter     : memberName COLON typeRef (ASSIGN expression)?;

typeRef
    : typeRef QUESTION                                            # optionalType
    | qualifiedName (LT typeRef (COMMA typeRef)* GT)?             # namedType
    | LBRACE (fieldType (COMMA fieldType)* COMMA?)? RBRACE        # recordType
    ;
fieldType : name COLON typeRef;

propertyBlock : LBRACE (property (COMMA | SEMI)?)* RBRACE;
property      : memberName ASSIGN propertyValue;
propertyValue
    : name recordLiteral                 # constructorValue
    | direction=(MAXIMIZE | MINIMIZE) expression # objectiveValue
    | expression                         # plainValue
    ;

// Pipelines
block : LBRACE statement* RBRACE;
statement
    : LET name ASSIGN (forExpression | expression) SEMI?  # letStatement
    | IF expression block (ELSE (block | ifStatement))?    # ifStatementAlt
    | forExpression SEMI?                                  # forStatement
    | REGISTER expression AS expression (WITH recordLiteral)? SEMI? # registerStatement
    | RETURN expression SEMI?                              # returnStatement
    | YIELD expression SEMI?                               # yieldStatement
    | expression SEMI?                                     # expressionStatement
    ;
ifStatement   : IF expression block (ELSE (block | ifStatement))?;
forExpression : FOR name IN expression block;

// Sweeps
sweepMember
    : name TILDE expression (COMMA | SEMI)?   # dimension
    | property (COMMA | SEMI)?                # sweepProperty
    ;

// Policies
policyMember
    : REQUIRE APPROVAL FROM STRING SEMI?                          # approvalRule
    | REQUIRE expression (ELSE STRING)? SEMI?                     # requireRule
    | ON outcome=(PASS | FAIL) FAT_ARROW action (COMMA action)* SEMI? # onOutcome
    ;
action
    : ALIAS aliasRef                          # aliasAction
    | TAG recordLiteral                       # tagAction
    | NOTIFY expression (WITH recordLiteral)? # notifyAction
    ;

// Expressions, loosest binding first
expression
    : expression DOT name                                   # memberExpr
    | expression LPAREN (argument (COMMA argument)* COMMA?)? RPAREN # callExpr
    | op=(MINUS | NOT) expression                           # unaryExpr
    | expression op=(STAR | SLASH | PERCENT) expression     # multiplicativeExpr
    | expression op=(PLUS | MINUS) expression               # additiveExpr
    | expression op=(LT | LE | GT | GE) expression          # relationalExpr
    | expression op=(EQEQ | NEQ) expression                 # equalityExpr
    | expression NOT? IN expression                         # inExpr
    | expression AND expression                             # andExpr
    | expression OR expression                              # orExpr
    | primary                                               # primaryExpr
    ;

argument : (name COLON)? expression;

primary
    : INT                                  # intLiteral
    | FLOAT                                # floatLiteral
    | DURATION                             # durationLiteral
    | SIZE                                 # sizeLiteral
    | STRING                               # stringLiteral
    | (TRUE | FALSE)                       # boolLiteral
    | NONE                                 # noneLiteral
    | aliasRef                             # aliasExpr
    | name                                 # nameExpr
    | LPAREN expression RPAREN             # parenExpr
    | LBRACK (expression (COMMA expression)* COMMA?)? RBRACK # listLiteral
    | recordLiteral                        # recordExpr
    ;

recordLiteral : LBRACE (recordField (COMMA recordField)* COMMA?)? RBRACE;
recordField   : (name | STRING) COLON expression;
aliasRef      : AT name;

qualifiedName : name (DOT name)*;

// Parameters and properties cannot be named like the declarations that start a new block, so
// a missing '}' or ')' is reported where it is missing instead of swallowing the next declaration.
memberName
    : IDENT | AS | OVER | MODEL | WITH | APPROVAL | FROM | ON | PASS | FAIL
    | ALIAS | TAG | NOTIFY | MAXIMIZE | MINIMIZE | TYPE | ARTIFACT | PARAM | TARGET
    | REQUIRE | YIELD
    ;

// Soft keywords: reserved only where the grammar needs them, names everywhere else.
name
    : IDENT | AS | OVER | MODEL | WITH | APPROVAL | FROM | ON | PASS | FAIL
    | ALIAS | TAG | NOTIFY | MAXIMIZE | MINIMIZE | TYPE | ARTIFACT | PARAM | TARGET
    | STEP | PIPELINE | SWEEP | POLICY | REQUIRE | YIELD
    ;
